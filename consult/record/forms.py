from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from consult.forms import ThreePartDateField
from consult.respond.forms import COMMENTS_MAX, clean_text
from consult.respond.models import STANCE_NAMES, STANCES

CHANNEL_CHOICES = [("email", "By email"), ("post", "By post"), ("meeting", "At a meeting")]
PUBLICATION_CHOICES = [
    ("publish", "Yes, with the writer's name"),
    ("publish_without_name", "Yes, without the writer's name"),
    ("do_not_publish", "No"),
]


def stance_field():
    return RadioField(
        "The organisation's view of the preferred option",
        choices=[(value, STANCE_NAMES[value]) for value in STANCES],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the organisation's view")],
    )


def alternative_field():
    return SelectField(
        "The option they prefer instead (if they prefer another)",
        coerce=int,
        widget=GovSelect(),
        validators=[Optional()],
    )


def publication_field():
    """Nothing preselected: whether a reply is published is the partner's choice, which
    the officer must read from the reply, not accept by default."""
    return RadioField(
        "May the reply be published in the annex?",
        choices=PUBLICATION_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose whether the reply may be published")],
    )


class RecordReplyForm(FlaskForm):
    received_on = ThreePartDateField(
        "Date received",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired(message="Enter the date the reply was received")],
    )
    channel = RadioField(
        "How it arrived",
        choices=CHANNEL_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose how the reply arrived")],
    )
    stance = stance_field()
    alternative_option = alternative_field()
    comments = TextAreaField(
        "What they said",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Length(max=COMMENTS_MAX, message="The reply must be 20,000 characters or fewer")
        ],
    )
    responder_name = StringField(
        "Who wrote it (optional)",
        widget=GovTextInput(),
        filters=[clean_text],
        validators=[Length(max=200, message="The name must be 200 characters or fewer")],
    )
    responder_role = StringField(
        "Their role (optional)",
        widget=GovTextInput(),
        filters=[clean_text],
        validators=[Length(max=200, message="The role must be 200 characters or fewer")],
    )
    publication = publication_field()
    letter = FileField("Their letter (optional)", widget=GovFileInput())
    submit = SubmitField("Record the reply", widget=GovSubmitInput())


class EmailReplyForm(FlaskForm):
    """Step one of dropping in a saved email: the file, and whose it is if the sender's
    address does not say."""

    email_file = FileField(
        "The email, saved from Outlook (.msg) or as a .eml file", widget=GovFileInput()
    )
    request_id = SelectField(
        "Which organisation it is from", coerce=int, widget=GovSelect(), validators=[Optional()]
    )
    contact_id = SelectField("Who sent it", coerce=int, widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_email_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select the saved email")


class CheckEmailForm(FlaskForm):
    """Step two: the officer checks where the partner's words end, and records them."""

    # The stored email, signed for this request and officer (services.hold_email).
    email = HiddenField(validators=[InputRequired(message="Choose the email again")])
    words_end = IntegerField(
        "The partner's words end at line",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the line the partner's words end at, as a number"),
            NumberRange(min=0, message="Enter a line number of the email, or 0"),
        ],
    )
    update = SubmitField("Update", widget=GovSubmitInput())
    whole = SubmitField("Keep the whole email", widget=GovSubmitInput())
    stance = stance_field()
    alternative_option = alternative_field()
    publication = publication_field()
    submit = SubmitField("Record as the reply", widget=GovSubmitInput())
