from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from consult.forms import OneLine


class OrganisationForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the organisation's name"),
            Length(max=300, message="The name must be 300 characters or fewer"),
        ],
    )
    sector = SelectField(
        "Sector",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the sector")],
    )
    address = TextAreaField(
        "Address (optional)",
        widget=GovTextArea(),
        validators=[Length(max=1000, message="The address must be 1,000 characters or fewer")],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Length(max=5000, message="Notes must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ContactForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the contact's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
            OneLine("The name"),
        ],
    )
    role = StringField(
        "Role (optional)",
        widget=GovTextInput(),
        validators=[Length(max=200, message="The role must be 200 characters or fewer")],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=320, message="The email address is too long")],
    )
    phone = StringField(
        "Phone (optional)",
        widget=GovTextInput(),
        validators=[Length(max=40, message="The phone number must be 40 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class SectorForm(FlaskForm):
    name = StringField(
        "New sector",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the sector's name"),
            Length(max=120, message="The name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Add the sector", widget=GovSubmitInput())


class SectorNameForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the sector's name"),
            Length(max=120, message="The name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    upload = FileField("Upload a CSV file", widget=GovFileInput())
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    def validate_upload(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a CSV file of partners")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())
