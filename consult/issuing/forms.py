from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from consult.forms import deadline_date_field, deadline_time_field


class IssueForm(FlaskForm):
    submit = SubmitField("Issue the consultation", widget=GovSubmitInput())


class ResendLinkForm(FlaskForm):
    # How many tokens the page showed: a second click finds a different number.
    tokens_seen = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField("Send a new link", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why is the request being withdrawn? (optional)",
        widget=GovTextArea(),
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Withdraw the request", widget=GovSubmitInput())


class ChooseOrganisationForm(FlaskForm):
    organisation = SelectField(
        "Organisation",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired(message="Choose an organisation")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ChooseContactsForm(FlaskForm):
    contacts = SelectMultipleField(
        "Who should receive it?",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Choose at least one person")],
    )
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class ChangeDeadlineForm(FlaskForm):
    deadline = deadline_date_field("New deadline")
    deadline_time = deadline_time_field("Time")
    tell_partners = BooleanField(
        "Email everyone still to reply to tell them the new deadline",
        widget=GovCheckboxInput(),
        default=True,
    )
    submit = SubmitField("Change the deadline", widget=GovSubmitInput())


class ChooseSectorForm(FlaskForm):
    sector = SelectField(
        "Every organisation in a sector",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired(message="Choose a sector")],
    )
    submit = SubmitField("Add the whole sector", widget=GovSubmitInput())


class RemoveRecipientForm(FlaskForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())
