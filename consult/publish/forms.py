from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

MAX_WORDS_TO_TAKE_OUT = 100


class AnnexForm(FlaskForm):
    format = RadioField(
        "Format",
        choices=[
            ("pdf", "PDF, with the letters partners sent as PDFs reproduced as their pages"),
            ("docx", "Word, to edit before it goes to the committee"),
            ("html", "Web page (HTML), for the council's website"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose PDF, Word or web page")],
    )
    submit = SubmitField("Build the annex", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    submit = SubmitField("Publish this file", widget=GovSubmitInput())


class LetterCheckForm(FlaskForm):
    words = TextAreaField(
        "Other words to take out",
        description="One word or phrase a line: a name, a street, a child's school. "
        "Each is taken out wherever it appears in this letter.",
        widget=GovTextArea(),
        validators=[
            Length(max=5000, message="The words to take out must be 5,000 characters or fewer")
        ],
    )
    left_out_pages = SelectMultipleField(
        "Pages to leave out",
        description="A page left out is not reproduced; the annex says how many were.",
        choices=[],
        coerce=str,
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    left_out = BooleanField("Leave this whole letter out of the annex", widget=GovCheckboxInput())
    submit = SubmitField("Save and check again", widget=GovSubmitInput())

    def validate_words(self, field):
        lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_WORDS_TO_TAKE_OUT:
            raise ValidationError(f"Give at most {MAX_WORDS_TO_TAKE_OUT} words or phrases")
        if any(len(line) < 2 for line in lines):
            raise ValidationError("Each word or phrase to take out must be at least 2 characters")

    def validate_left_out_pages(self, field):
        allowed = {value for value, _label in self.left_out_pages.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError("Choose pages of this letter")
