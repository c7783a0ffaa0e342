from datetime import UTC, datetime

import pytest

from consult.dates import format_date, format_datetime, format_short_datetime, london_datetime


def test_a_deadline_reads_the_uk_way():
    assert format_datetime(london_datetime(2017, 4, 7, 17, 0)) == "5pm on Friday 7 April 2017"


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [(9, 30, "9:30am"), (12, 0, "midday"), (0, 0, "midnight"), (23, 59, "11:59pm")],
)
def test_times_of_day(hour, minute, words):
    assert format_datetime(london_datetime(2017, 3, 23, hour, minute)).startswith(words)


def test_utc_times_are_shown_in_london_time_across_summer_time():
    # 16:00 UTC on 7 April 2017 is 5pm in London (BST).
    assert format_datetime(datetime(2017, 4, 7, 16, 0, tzinfo=UTC)) == (
        "5pm on Friday 7 April 2017"
    )
    # In winter London is on GMT.
    assert format_date(datetime(2017, 1, 9, 23, 30, tzinfo=UTC)) == "Monday 9 January 2017"


def test_short_form_for_tables():
    assert format_short_datetime(london_datetime(2017, 3, 27, 10, 5)) == "27 March 2017, 10:05am"
    assert format_short_datetime(None) == ""
