import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FileField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from consult.respond.models import STANCES

COMMENTS_MAX = 20_000
# Control characters a keyboard does not type (but tab and newlines) are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

STANCE_LABELS = {
    "supports": "We support it",
    "supports_with_reservations": "We support it, with reservations",
    "prefers_another_option": "We prefer another option",
    "does_not_support": "We do not support it",
    "no_view": "We have no view",
}
PUBLICATION_LABELS = {
    "publish": "Yes, with the name of the person who sent it",
    "publish_without_name": "Yes, but without that person's name",
    "do_not_publish": "No, do not publish it",
}


def clean_text(value):
    if value is None:
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class ResponseForm(FlaskForm):
    """The partner's answer. "Save" keeps whatever is there; "Continue" needs it complete."""

    revision = IntegerField(widget=HiddenInput(), default=0, validators=[Optional()])
    stance = RadioField(
        "What is your organisation's view of the preferred option?",
        choices=[(value, STANCE_LABELS[value]) for value in STANCES],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    alternative_option = SelectField(
        "Which option do you prefer?", coerce=int, widget=GovSelect(), validators=[Optional()]
    )
    comments = TextAreaField(
        "Comments (optional)",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            Length(max=COMMENTS_MAX, message="Comments must be 20,000 characters or fewer")
        ],
    )
    responder_name = StringField(
        "Your full name",
        widget=GovTextInput(),
        filters=[clean_text],
        validators=[Length(max=200, message="Your name must be 200 characters or fewer")],
    )
    responder_role = StringField(
        "Your role",
        widget=GovTextInput(),
        filters=[clean_text],
        validators=[Length(max=200, message="Your role must be 200 characters or fewer")],
    )
    letter = FileField("Attach a signed letter (optional)", widget=GovFileInput())
    # Ticked: the letter attached so far (to the draft or the sent response) goes.
    remove_letter = BooleanField("Remove the attached letter", widget=GovCheckboxInput())
    answers_for_organisation = BooleanField(widget=GovCheckboxInput())
    publication = RadioField(
        "May we publish this response in the committee report?",
        choices=[(value, label) for value, label in PUBLICATION_LABELS.items()],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    save = SubmitField("Save and come back later", widget=GovSubmitInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def check_complete(self):
        """For "Continue": everything a response needs. Adds errors; True if complete."""
        missing = {
            "stance": "Choose your organisation's view of the preferred option",
            "responder_name": "Enter your full name",
            "publication": "Choose whether we may publish the response",
        }
        for name, message in missing.items():
            if not getattr(self, name).data:
                getattr(self, name).errors = [*getattr(self, name).errors, message]
        if self.stance.data == "prefers_another_option" and not self.alternative_option.data:
            self.alternative_option.errors = [
                *self.alternative_option.errors,
                "Choose the option your organisation prefers",
            ]
        if not self.answers_for_organisation.data:
            self.answers_for_organisation.errors = [
                "Confirm that you are answering for your organisation"
            ]
        return not self.errors


class SubmitResponseForm(FlaskForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    version_seen = IntegerField(widget=HiddenInput(), default=0, validators=[Optional()])
    submit = SubmitField("Send the response", widget=GovSubmitInput())


class StartForm(FlaskForm):
    submit = SubmitField("Respond", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why not? (optional)",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )
    submit = SubmitField("We will not respond", widget=GovSubmitInput())


class UndoDeclineForm(FlaskForm):
    submit = SubmitField("We will respond after all", widget=GovSubmitInput())
