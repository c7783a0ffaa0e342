"""Form pieces more than one feature uses."""

from datetime import datetime, time

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired, ValidationError

from consult.dates import LONDON, deadline_too_far, format_time
from consult.db import utcnow
from consult.text import is_one_line

# Times a deadline can fall at, in London: every half hour from 8am to 8pm.
DEADLINE_TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(8, 21) for minute in (0, 30)]


def _time_label(value):
    hour, minute = (int(part) for part in value.split(":"))
    return format_time(datetime(2017, 1, 1, hour, minute, tzinfo=LONDON))


class OneLine:
    """A field whose words go into an email's headers (a title, a person's name): on one
    line, so that issuing, reminding and resending never meet a line break later."""

    def __init__(self, what):
        self.what = what

    def __call__(self, form, field):
        if field.data and not is_one_line(field.data):
            raise ValidationError(f"{self.what} must be on one line, without line breaks")


class ThreePartDateField(DateField):
    """A date typed as day, month and year: GOV.UK's date input posts three values under
    one name. None or anything but three (a hand-made request) is a missing or bad date,
    shown in the three boxes, not a crash."""

    def process_formdata(self, valuelist):
        if not valuelist:  # missing from the form: three empty boxes, and "enter a date"
            self.raw_data = ["", "", ""]
            return
        if len(valuelist) != 3:
            self.raw_data = [*valuelist, "", "", ""][:3]
            self.data = None
            raise ValueError("Enter a real date, for example 7 4 2017")
        super().process_formdata(valuelist)


def _within_five_years(form, field):
    if field.data and deadline_too_far(field.data, utcnow()):
        raise ValidationError("The deadline must be within five years of today")


def deadline_date_field(label="Deadline"):
    return ThreePartDateField(
        label,
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired(message="Enter the deadline's date"), _within_five_years],
    )


def deadline_time_field(label="Time"):
    return SelectField(
        label,
        choices=[(value, _time_label(value)) for value in DEADLINE_TIMES],
        default="17:00",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the deadline's time")],
    )


def london_deadline(day, time_of_day):
    """The aware datetime for a date and an "HH:MM" London time."""
    hour, minute = (int(part) for part in time_of_day.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)
