"""Working hours in an English council: 9am to 5:30pm, Monday to Friday, not bank holidays.

Bank holidays of England and Wales come from the ``holidays`` package, which works
offline.
"""

from datetime import datetime, time, timedelta
from functools import lru_cache

import holidays

from consult.dates import LONDON

DAY_STARTS = time(9, 0)
DAY_ENDS = time(17, 30)


@lru_cache(maxsize=64)
def _bank_holidays(year):
    return holidays.country_holidays("GB", subdiv="ENG", years=[year])


def is_working_day(day):
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_time(moment):
    """``moment`` if it falls in working hours, else 9am London time on the next working
    day (today's 9am, if it is before 9am on a working day)."""
    local = moment.astimezone(LONDON)
    if is_working_day(local.date()) and DAY_STARTS <= local.time() < DAY_ENDS:
        return moment
    day = local.date()
    if not (is_working_day(day) and local.time() < DAY_STARTS):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, DAY_STARTS, tzinfo=LONDON)
