"""Times as people in an English council read them: Europe/London, "5pm on Friday 7 April 2017"."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london(value):
    """The aware datetime in Europe/London."""
    return value.astimezone(LONDON)


def london_datetime(year, month, day, hour=0, minute=0):
    """An aware datetime for a wall-clock time in London."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def format_time(value):
    """'5pm', '9:30am', 'midday', 'midnight'."""
    local = london(value)
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.minute:
        return f"{hour}:{local.minute:02d}{suffix}"
    return f"{hour}{suffix}"


def format_date(value, with_weekday=True):
    """'Friday 7 April 2017' (GOV.UK style: no leading zero, no comma)."""
    local = london(value)
    text = f"{local.day} {local:%B %Y}"
    return f"{local:%A} {text}" if with_weekday else text


@lru_cache(maxsize=4096)  # a deadline is written into every one of thousands of emails
def format_datetime(value):
    """'5pm on Friday 7 April 2017'."""
    if value is None:
        return ""
    return f"{format_time(value)} on {format_date(value)}"


def format_short_datetime(value):
    """'7 April 2017, 5pm': for tables and logs."""
    if value is None:
        return ""
    return f"{format_date(value, with_weekday=False)}, {format_time(value)}"


def time_left(deadline, now):
    """'3 days left', '1 day left', '5 hours left', 'less than an hour left', or
    'the deadline has passed'."""
    remaining = (deadline - now).total_seconds()
    if remaining <= 0:
        return "the deadline has passed"
    days = int(remaining // 86400)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''} left"
    hours = int(remaining // 3600)
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''} left"
    return "less than an hour left"


# A consultation runs for weeks or months: a deadline further off than this is a typing
# slip (2107 for 2017), and dates near the calendar's end cannot have days added.
FURTHEST_DEADLINE_DAYS = 5 * 366


def deadline_too_far(deadline, now):
    """Whether ``deadline`` (a date or datetime) is more than five years after ``now``."""
    day = deadline.date() if isinstance(deadline, datetime) else deadline
    return (day - london(now).date()).days > FURTHEST_DEADLINE_DAYS
