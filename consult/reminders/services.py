"""Reminders timed from the deadline, as rows that a beat sweep turns into messages.

Each issued request gets one slot per offset of the consultation's policy (by default 7
and 2 days before the deadline and 3 days after). A slot is dealt with once: the database
allows one per request and offset, and the sweep marks it done in the same transaction
that stores its reminders. Slots move when the deadline moves; a reminder due out of
working hours waits until 9am on the next working day.
"""

from datetime import timedelta

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import selectinload

from consult.audit import services as audit
from consult.correspondence.models import Message
from consult.correspondence.services import get_message_by_purpose
from consult.db import UTCDateTime, utcnow
from consult.extensions import db
from consult.reminders.models import ReminderSlot
from consult.reminders.working_hours import next_working_time
from consult.requests import partner_emails
from consult.requests.models import OUTSTANDING_STATES, RecipientLink, Request

# The most slots one sweep takes on in one transaction, so that each stays short (about
# a second) and holds its locks briefly; the task runs sweeps until none is due.
MOST_PER_SWEEP = 1_000


def slot_due_at(consultation, offset_days):
    return next_working_time(consultation.deadline_at + timedelta(days=offset_days))


def create_slots(request, now=None):
    """One slot per offset of the policy, for a request just issued, that has none for
    it yet. Slots already past (a request added late) are left out."""
    now = now or utcnow()
    consultation = request.consultation
    existing = {slot.offset_days for slot in _slots(request.id)}
    for offset in sorted(set(consultation.reminder_offsets_days or [])):
        due = slot_due_at(consultation, offset)
        if offset not in existing and due > now:
            db.session.add(ReminderSlot(request_id=request.id, offset_days=offset, due_at=due))


def create_slots_on_issue(consultation, now=None):
    """``create_slots`` for every request of a consultation just issued, a statement per
    offset however many requests: a slot's time depends only on the deadline."""
    now = now or utcnow()
    for offset in sorted(set(consultation.reminder_offsets_days or [])):
        due = slot_due_at(consultation, offset)
        if due <= now:
            continue
        db.session.execute(
            insert(ReminderSlot).from_select(
                ["request_id", "offset_days", "due_at", "created_at"],
                select(
                    Request.id,
                    literal(offset),
                    literal(due, UTCDateTime),
                    literal(now, UTCDateTime),
                ).where(Request.consultation_id == consultation.id, Request.status != "draft"),
            )
        )


def _slots(request_id):
    return db.session.scalars(select(ReminderSlot).where(ReminderSlot.request_id == request_id))


def reschedule(consultation, now=None):
    """After the deadline or the policy changed: unsent slots move to the new times, slots
    for offsets no longer in the policy go, new offsets get slots. Sent ones stay."""
    now = now or utcnow()
    offsets = set(consultation.reminder_offsets_days or [])
    requests = db.session.scalars(
        select(Request).where(Request.consultation_id == consultation.id, Request.status != "draft")
    ).all()
    request_ids = [request.id for request in requests]
    pending = db.session.scalars(
        select(ReminderSlot).where(
            ReminderSlot.request_id.in_(request_ids), ReminderSlot.done_at.is_(None)
        )
    ).all()
    for slot in pending:
        if slot.offset_days not in offsets:
            db.session.delete(slot)
        else:
            slot.due_at = slot_due_at(consultation, slot.offset_days)
    db.session.flush()
    for request in requests:
        create_slots(request, now)


def fetch_due_slots(now, limit=MOST_PER_SWEEP):
    """Slots whose time has come, through the partial index on unsent slots: the cost
    follows the number due, not the number of requests. On PostgreSQL, rows another sweep
    holds are skipped, so two sweeps at once share the work instead of repeating it."""
    query = (
        select(ReminderSlot)
        .where(ReminderSlot.done_at.is_(None), ReminderSlot.due_at <= now)
        .order_by(ReminderSlot.due_at, ReminderSlot.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).all()


def _lock_requests(request_ids):
    """The requests, locked for this transaction (PostgreSQL) and read afresh, so a
    response committed meanwhile is seen: four queries for any number, by id."""
    query = (
        select(Request)
        .where(Request.id.in_(request_ids))
        .order_by(Request.id)
        .execution_options(populate_existing=True)
        .options(
            selectinload(Request.consultation),
            selectinload(Request.organisation),
            selectinload(Request.links).selectinload(RecipientLink.contact),
        )
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=Request)
    return {request.id: request for request in db.session.scalars(query)}


def _stored_purposes(purposes):
    """Which of these purposes already have a message: one query."""
    if not purposes:
        return set()
    return set(db.session.scalars(select(Message.purpose).where(Message.purpose.in_(purposes))))


def _reminder_purpose(link, purpose_suffix):
    return f"reminder:link:{link.id}:{purpose_suffix}"


def why_not_remind(request, now):
    """None if the request should be reminded now, else the reason it should not."""
    consultation = request.consultation
    if consultation.state != "open":
        return "the consultation is closed"
    if request.status not in OUTSTANDING_STATES:
        return f"the request is {request.status}"
    if now > consultation.deadline_at and not consultation.accepts_late_replies:
        return "the deadline has passed and late replies are not accepted"
    return None


def remind(request, *, purpose_suffix, now, stored_purposes=None):
    """Store a reminder, with a fresh link, for each contact whose link still works.

    ``stored_purposes``, when given, is every purpose already stored (looked up in bulk
    by the caller); the new messages are then added without a flush each."""
    stored = []
    for link in request.links:
        if link.revoked_at is not None or link.issued_at is None or not link.contact.email:
            continue
        if link.expires_at is not None and link.expires_at <= now:
            continue
        purpose = _reminder_purpose(link, purpose_suffix)
        if stored_purposes is None:
            if get_message_by_purpose(purpose) is not None:
                continue  # this reminder was stored already
        elif purpose in stored_purposes:
            continue
        stored.append(
            partner_emails.store_link_email(
                link,
                purpose=purpose,
                kind="reminder",
                email_for=lambda link, url: partner_emails.reminder(link, link_url=url, now=now),
                purpose_checked=stored_purposes is not None,
            )
        )
    return stored


def sweep_due_slots(now=None):
    """Turn due slots (up to MOST_PER_SWEEP) into reminders, or skip them saying why,
    marking each done in the same transaction. Returns (reminders stored, slots skipped)."""
    now = now or utcnow()
    sent = skipped = 0
    slots = fetch_due_slots(now)
    requests = _lock_requests({slot.request_id for slot in slots})
    stored_purposes = _stored_purposes(
        [
            _reminder_purpose(link, f"slot:{slot.offset_days}")
            for slot in slots
            for link in requests[slot.request_id].links
        ]
    )
    reminded = []
    for slot in slots:
        request = requests[slot.request_id]
        reason = why_not_remind(request, now)
        slot.done_at = now
        if reason:
            skipped += 1
            continue
        messages = remind(
            request,
            purpose_suffix=f"slot:{slot.offset_days}",
            now=now,
            stored_purposes=stored_purposes,
        )
        reminded.append((slot, messages))
        sent += len(messages)
    db.session.flush()  # every token and message of the sweep in a few round trips
    for slot, messages in reminded:
        slot.message_id = messages[0].id if messages else None
    db.session.flush()
    return sent, skipped


def fetch_outstanding_requests(consultation_id):
    """Requests still waiting for an answer, with their organisation and contacts."""
    return db.session.scalars(
        select(Request)
        .where(
            Request.consultation_id == consultation_id,
            Request.status.in_(OUTSTANDING_STATES),
        )
        .options(
            selectinload(Request.organisation),
            selectinload(Request.links).selectinload(RecipientLink.contact),
        )
        .order_by(Request.id)
    ).all()


def remind_everyone_outstanding(consultation, *, by, now=None):
    """The officer's "remind now": a reminder to every contact still to reply, once per
    press (a second press within the same minute sends nothing more)."""
    now = now or utcnow()
    if consultation.state != "open":
        raise ValueError("Only an open consultation's partners can be reminded")
    stamp = now.strftime("%Y%m%dT%H%M")
    stored = []
    for request in fetch_outstanding_requests(consultation.id):
        if why_not_remind(request, now) is None:
            stored += remind(request, purpose_suffix=f"now:{stamp}", now=now)
    audit.record("reminded now", user=by, consultation=consultation, reminders=len(stored))
    return stored


def delete_slots(request_id):
    db.session.execute(
        delete(ReminderSlot).where(
            ReminderSlot.request_id == request_id, ReminderSlot.done_at.is_(None)
        )
    )
