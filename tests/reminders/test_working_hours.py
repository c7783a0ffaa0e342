import pytest

from consult.dates import format_datetime, london_datetime
from consult.reminders.working_hours import next_working_time


@pytest.mark.parametrize(
    ("due", "sent"),
    [
        # A Tuesday afternoon is working time: sent as due.
        ((2017, 3, 28, 14, 0), "2pm on Tuesday 28 March 2017"),
        # Early on a weekday: that day's 9am.
        ((2017, 3, 28, 6, 0), "9am on Tuesday 28 March 2017"),
        # A weekday evening: the next morning.
        ((2017, 3, 28, 20, 0), "9am on Wednesday 29 March 2017"),
        # Friday evening: Monday.
        ((2017, 3, 31, 18, 0), "9am on Monday 3 April 2017"),
        # Saturday: Monday.
        ((2017, 4, 1, 10, 0), "9am on Monday 3 April 2017"),
        # Good Friday and Easter Monday 2017 are bank holidays: Tuesday.
        ((2017, 4, 14, 11, 0), "9am on Tuesday 18 April 2017"),
        # The Christmas bank holidays of 2026 (Friday 25, Monday 28 December).
        ((2026, 12, 24, 19, 0), "9am on Tuesday 29 December 2026"),
    ],
)
def test_a_reminder_due_out_of_hours_waits_for_9am_on_the_next_working_day(due, sent):
    assert format_datetime(next_working_time(london_datetime(*due))) == sent
