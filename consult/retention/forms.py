from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length


class FindPersonForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person's email address"),
            Length(max=320, message="The email address is too long"),
        ],
    )
    submit = SubmitField("Find", widget=GovSubmitInput())


class PersonActionForm(FlaskForm):
    email = HiddenField(validators=[InputRequired(message="Find the person first")])


class ErasePersonForm(PersonActionForm):
    confirm = BooleanField(
        "I understand this cannot be undone",
        widget=GovCheckboxInput(),
        validators=[DataRequired(message="Confirm that you understand this cannot be undone")],
    )
    submit = SubmitField("Erase this person's details", widget=GovSubmitInput())
