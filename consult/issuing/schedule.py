"""When a consultation's reminders go, for the officer to read before and after issue.

The times come from the one calculation the beat sweep uses (``reminders.slot_due_at``):
the deadline moved by whole days, then to 9am on the next working day if that falls out
of hours, at a weekend or on a bank holiday. Nothing here works a time out again.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from consult.dates import format_time, london
from consult.db import utcnow
from consult.extensions import db
from consult.reminders.models import ReminderSlot
from consult.reminders.services import slot_due_at
from consult.reminders.working_hours import is_working_day
from consult.requests.models import OUTSTANDING_STATES, Request


class PlannedReminder(NamedTuple):
    """One reminder of the policy: when it goes, and why that is not the moment it counts
    from (``moved_because`` is "" when it goes then). ``clocks_shift`` is "earlier" or "later"
    when the clocks go forward or back between it and the deadline: whole days are counted
    as 24 hours, so it goes an hour off the deadline's time of day on the clock."""

    offset_days: int
    due_at: datetime
    counted_from: datetime
    moved_because: str
    clocks_shift: str
    is_past: bool

    @property
    def label(self):
        return reminder_label(self.offset_days)


def reminder_label(offset_days):
    """'7 days before the deadline', '1 day after the deadline', 'On the deadline'."""
    days = abs(offset_days)
    if days == 0:
        return "On the deadline"
    when = "before" if offset_days < 0 else "after"
    return f"{days} day{'s' if days != 1 else ''} {when} the deadline"


def _why_moved(counted_from):
    local = london(counted_from)
    if local.weekday() >= 5:
        return "a weekend"
    if not is_working_day(local.date()):
        return "a bank holiday"
    return "out of working hours"


def _clocks_shift(reminder_at, deadline_at):
    """How the reminder's time on the clock differs from the deadline's: "" (the same),
    "earlier" or "later"."""
    if format_time(reminder_at) == format_time(deadline_at):
        return ""
    earlier = london(reminder_at).utcoffset() < london(deadline_at).utcoffset()
    return "earlier" if earlier else "later"


def planned_reminders(consultation, now=None):
    """The reminders the consultation's policy would send, earliest first; [] with no
    deadline. A reminder already past when the consultation is issued is not sent."""
    if consultation.deadline_at is None:
        return []
    now = now or utcnow()
    planned = []
    for offset in sorted(set(consultation.reminder_offsets_days or [])):
        due = slot_due_at(consultation, offset)
        counted_from = consultation.deadline_at + timedelta(days=offset)
        moved = due != counted_from
        planned.append(
            PlannedReminder(
                offset_days=offset,
                due_at=due,
                counted_from=counted_from,
                moved_because=_why_moved(counted_from) if moved else "",
                clocks_shift="" if moved else _clocks_shift(due, consultation.deadline_at),
                is_past=due <= now,
            )
        )
    return planned


class RequestReminder(NamedTuple):
    """A reminder slot of one issued request, as its page shows it."""

    label: str
    due_at: datetime
    state: str  # "due", "sent" or "not needed"


def fetch_request_reminders(request):
    """The reminders of one request: the policy's plan while it is a draft, else its own
    slots (one query), each due, sent or not needed (skipped, or no longer to be sent)."""
    if request.status == "draft":
        return [
            RequestReminder(planned.label, planned.due_at, "due")
            for planned in planned_reminders(request.consultation)
            if not planned.is_past
        ]
    slots = db.session.scalars(
        select(ReminderSlot)
        .where(ReminderSlot.request_id == request.id)
        .order_by(ReminderSlot.due_at, ReminderSlot.id)
    ).all()
    reminders = []
    for slot in slots:
        if slot.done_at is not None:
            state = "sent" if slot.message_id else "not needed"
        else:
            # The sweep will skip it: the organisation has replied, declined or is withdrawn.
            state = "due" if request.status in OUTSTANDING_STATES else "not needed"
        reminders.append(RequestReminder(reminder_label(slot.offset_days), slot.due_at, state))
    return reminders


class NextReminder(NamedTuple):
    due_at: datetime
    requests: int


def fetch_next_reminder(consultation_id):
    """The next reminder still to go to an organisation yet to reply, and to how many:
    one query, through the index on unsent slots; None when none is left."""
    row = db.session.execute(
        select(ReminderSlot.due_at, func.count(ReminderSlot.id))
        .join(Request, Request.id == ReminderSlot.request_id)
        .where(
            Request.consultation_id == consultation_id,
            Request.status.in_(OUTSTANDING_STATES),
            ReminderSlot.done_at.is_(None),
        )
        .group_by(ReminderSlot.due_at)
        .order_by(ReminderSlot.due_at)
        .limit(1)
    ).first()
    return NextReminder(row[0], row[1]) if row else None
