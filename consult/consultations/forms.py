"""Forms for drafting a consultation."""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
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
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from consult.consultations.letters import MAX_LETTER_LENGTH
from consult.forms import OneLine, deadline_date_field, deadline_time_field

# Retention periods offered, in days: what an information governance officer would pick.
RETENTION_CHOICES = [
    (183, "6 months after the consultation closes"),
    (365, "1 year"),
    (730, "2 years"),
    (1095, "3 years"),
    (2190, "6 years"),
]
MOST_REMINDER_DAYS = 90


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _length(most, what):
    return Length(max=most, message=f"{what} must be {most:,} characters or fewer")


class DetailsForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[_strip],
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter a title"),
            _length(300, "The title"),
            OneLine("The title"),
        ],
    )
    reference = StringField(
        "Reference",
        filters=[_strip],
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter a reference"), _length(60, "The reference")],
    )
    summary = TextAreaField(
        "Summary (optional)",
        filters=[_strip],
        widget=GovTextArea(),
        validators=[_length(5000, "The summary")],
    )
    question = TextAreaField(
        "The question partners are asked",
        filters=[_strip],
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter the question partners are asked"),
            _length(2000, "The question"),
        ],
    )
    signatory = StringField(
        "Who signs the letter (optional)",
        filters=[_strip],
        widget=GovTextInput(),
        validators=[_length(300, "The signatory")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


def parse_days(text):
    """'7, 2' -> [7, 2]. Raises ValueError with a message for the officer."""
    parts = [part for part in re.split(r"[\s,;]+", text or "") if part]
    days = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MOST_REMINDER_DAYS:
            raise ValueError(
                f"Enter whole numbers of days from 1 to {MOST_REMINDER_DAYS}, separated by "
                "commas, for example 7, 2"
            )
        days.append(int(part))
    return days


class DaysField(StringField):
    """A list of whole days typed as '7, 2'."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.days = parse_days(self.data)
        except ValueError as error:
            self.days = []
            raise ValueError(str(error)) from None

    def _value(self):
        return self.data or ""


class DeadlineForm(FlaskForm):
    deadline = deadline_date_field("Deadline for replies")
    deadline_time = deadline_time_field("Time on that day")
    accepts_late_replies = RadioField(
        "After the deadline",
        choices=[
            ("yes", "Accept late replies, marked as late, until the consultation is closed"),
            ("no", "Accept no replies after the deadline"),
        ],
        default="yes",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose whether late replies are accepted")],
    )
    reminders_before = DaysField(
        "Send reminders this many days before the deadline",
        widget=GovTextInput(),
        default="7, 2",
    )
    reminders_after = DaysField(
        "And this many days after it, to those who have not replied",
        widget=GovTextInput(),
        default="3",
    )
    auto_close_days = IntegerField(
        "Close the consultation this many days after the deadline (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=0, max=365, message="Enter a number of days from 0 to 365"),
        ],
    )
    retention_days = SelectField(
        "Keep partners' personal details for",
        coerce=int,
        choices=RETENTION_CHOICES,
        default=730,
        widget=GovSelect(),
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def reminder_offsets(self):
        """The policy as days from the deadline: negative before, positive after."""
        return sorted({-day for day in self.reminders_before.days} | set(self.reminders_after.days))


class OptionForm(FlaskForm):
    name = StringField(
        "Option",
        filters=[_strip],
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the option's name"), _length(300, "The name")],
    )
    description = TextAreaField(
        "Description (optional)",
        filters=[_strip],
        widget=GovTextArea(),
        validators=[_length(5000, "The description")],
    )
    is_preferred = BooleanField("This is the preferred option", widget=GovCheckboxInput())
    submit = SubmitField("Add the option", widget=GovSubmitInput())


class CriterionForm(FlaskForm):
    name = StringField(
        "Criterion",
        filters=[_strip],
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the criterion"),
            _length(200, "The criterion"),
        ],
    )
    submit = SubmitField("Add the criterion", widget=GovSubmitInput())


class LetterForm(FlaskForm):
    letter = TextAreaField(
        "The letter",
        filters=[_strip],
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Write the letter"),
            _length(MAX_LETTER_LENGTH, "The letter"),
        ],
    )
    submit = SubmitField("Save the letter", widget=GovSubmitInput())
    # Fills the letter as written in for the recipient chosen beside it; saves nothing.
    preview = SubmitField("Preview", widget=GovSubmitInput())


class DocumentForm(FlaskForm):
    title = StringField(
        "Title (optional)",
        filters=[_strip],
        widget=GovTextInput(),
        validators=[_length(300, "The title")],
    )
    upload = FileField("Upload a paper", widget=GovFileInput())
    submit = SubmitField("Upload", widget=GovSubmitInput())

    def validate_upload(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a PDF, Word or Excel file")


class MoveForm(FlaskForm):
    """Move an item up or down a list, without JavaScript."""

    direction = StringField()

    def validate_direction(self, field):
        if field.data not in ("up", "down"):
            raise ValidationError("Choose up or down")

    @property
    def step(self):
        return -1 if self.direction.data == "up" else 1


class CloseForm(FlaskForm):
    submit = SubmitField("Close the consultation", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())
