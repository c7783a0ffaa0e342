from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms import TextAreaField as TextArea
from wtforms.validators import InputRequired, Length, Optional

from consult.consideration.models import POINT_KIND_NAMES
from consult.forms import OneLine

KIND_CHOICES = list(POINT_KIND_NAMES.items())


class PointForm(FlaskForm):
    paragraph = RadioField(
        "Which passage is the point?",
        choices=[],
        widget=GovRadioInput(),
        validators=[Optional()],
        validate_choice=False,
    )
    quote = TextArea(
        "Or the partner's exact words",
        description="Copy part of a passage here to quote less than all of it.",
        widget=GovTextArea(),
        validators=[Length(max=5000, message="A point must be 5,000 characters or fewer")],
    )
    kind = RadioField(
        "What kind of point is it?",
        choices=KIND_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what kind of point it is")],
    )
    themes = SelectMultipleField(
        "Themes",
        choices=[],
        coerce=str,
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    new_theme = StringField(
        "A new theme",
        description="Its name, if none of the themes above fits.",
        widget=GovTextInput(),
        validators=[
            Length(max=200, message="The theme's name must be 200 characters or fewer"),
            OneLine("The theme's name"),
        ],
    )
    submit = SubmitField("Mark the point", widget=GovSubmitInput())


class ChangePointForm(FlaskForm):
    kind = RadioField(
        "What kind of point is it?",
        choices=KIND_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what kind of point it is")],
    )
    themes = SelectMultipleField(
        "Themes", choices=[], coerce=str, widget=GovCheckboxesInput(), validate_choice=False
    )
    submit = SubmitField("Save the point", widget=GovSubmitInput())


class RemovePointForm(FlaskForm):
    submit = SubmitField("Remove the point", widget=GovSubmitInput())


class ThemeForm(FlaskForm):
    name = StringField(
        "Theme",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the theme's name"),
            Length(max=200, message="The theme's name must be 200 characters or fewer"),
            OneLine("The theme's name"),
        ],
    )
    submit = SubmitField("Add the theme", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    source = SelectField(
        "Merge this theme", choices=[], coerce=str, widget=GovSelect(), validate_choice=False
    )
    target = SelectField(
        "into this one", choices=[], coerce=str, widget=GovSelect(), validate_choice=False
    )
    submit = SubmitField("Merge the themes", widget=GovSubmitInput())


class ResponseForm(FlaskForm):
    name = StringField(
        "Theme",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the theme's name"),
            Length(max=200, message="The theme's name must be 200 characters or fewer"),
            OneLine("The theme's name"),
        ],
    )
    response = TextArea(
        "The council's response",
        widget=GovTextArea(),
        validators=[Length(max=10000, message="The response must be 10,000 characters or fewer")],
    )
    change_made = TextArea(
        "The change made, or why there is none",
        widget=GovTextArea(),
        validators=[Length(max=10000, message="The change must be 10,000 characters or fewer")],
    )
    state = RadioField(
        "Is the response agreed?",
        choices=[("draft", "No, it is a draft"), ("agreed", "Yes, it is agreed")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose whether the response is a draft or agreed")],
    )
    submit = SubmitField("Save the response", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    submit = SubmitField("Send the outcome to the partners", widget=GovSubmitInput())


class SuggestForm(FlaskForm):
    submit = SubmitField("Suggest themes", widget=GovSubmitInput())
