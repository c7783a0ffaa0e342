"""The outbox: storing messages before they are sent, and handing due ones to workers.

Every email is a ``Message`` row first. Delivery tasks take message ids; a sweep on beat
hands due messages to workers at the configured send rate and puts back any message a
lost task left half-sent, so a crash or a broker outage delays mail and loses none.
"""

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import insert, select, update

from consult.correspondence.emails import checked_header
from consult.correspondence.models import Message, SendAllowance
from consult.db import utcnow
from consult.extensions import db
from consult.sealing import seal

# The most messages one sweep hands out, whatever the rate, so a sweep stays short.
MOST_PER_SWEEP = 5_000


class MessageError(ValueError):
    """A message cannot be stored as asked; the message says why."""


def get_message_by_purpose(purpose):
    return db.session.scalar(select(Message).where(Message.purpose == purpose))


def store_message(*, purpose, link_token=None, check_existing=True, flush=True, **fields):
    """Put a message in the outbox, once per purpose.

    ``purpose`` names why the message exists (``invitation:link:12``); storing the same
    purpose again returns the message already stored, so a double click, a second officer
    or a retried task never queues a second email. ``fields`` are ``message_values``'s:
    a ``token`` among them is a partner's secret link token, kept sealed until sending,
    while the bodies hold LINK_PLACEHOLDER instead. Names and subjects with line breaks
    are refused before anything is stored.
    """
    if check_existing:
        existing = get_message_by_purpose(purpose)
        if existing is not None:
            return existing
    message = Message(**message_values(purpose=purpose, **fields), link_token=link_token)
    db.session.add(message)
    if flush:
        db.session.flush()
    return message


def store_messages(values):
    """Put many messages in the outbox in one statement (rows from ``message_values``).
    The caller has made sure none of their purposes is stored already."""
    if values:
        db.session.execute(insert(Message), values)


def message_values(
    *,
    purpose,
    kind,
    to_address,
    subject,
    text,
    html="",
    to_name="",
    consultation_id=None,
    request_id=None,
    recipient_link_id=None,
    link_token_id=None,
    user_id=None,
    token=None,
    now=None,
):
    """The row of a message to store, checked: no line break in a header, a real address."""
    checked_header(subject)
    checked_header(to_name)
    try:
        to_address = validate_email(to_address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise MessageError(f"{to_address!r} is not an email address: {error}") from None
    now = now or utcnow()
    return {
        "purpose": purpose,
        "kind": kind,
        "to_address": to_address,
        "to_name": to_name,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "consultation_id": consultation_id,
        "request_id": request_id,
        "recipient_link_id": recipient_link_id,
        "link_token_id": link_token_id,
        "user_id": user_id,
        "sealed_link": seal(token) if token else None,
        "status": "queued",
        "next_attempt_at": now,
        "created_at": now,
    }


def release_stuck_messages(timeout, now=None):
    """Put back to "queued" any message left "sending" longer than ``timeout``.

    That happens when a worker dies mid-send. If the mail server had already accepted the
    message it goes twice: at most one duplicate per lost worker, never a lost message.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(Message)
        .where(Message.status == "sending", Message.sending_started_at < now - timeout)
        .values(
            status="queued",
            next_attempt_at=now,
            enqueued_at=None,
            last_error="The worker stopped while sending; sending again.",
        )
    )
    return result.rowcount


def refilled_send_allowance(rate_per_minute, now=None):
    """The send-rate token bucket, locked for this transaction and topped up to now.

    Tokens grow by MAIL_SEND_RATE_PER_MINUTE a minute, up to one minute's worth; each
    message handed to a worker spends one. The lock means two sweeps at once cannot both
    spend the same allowance.
    """
    now = now or utcnow()
    allowance = db.session.scalar(select(SendAllowance).with_for_update())
    if allowance is None:
        allowance = SendAllowance(id=1, tokens=float(rate_per_minute), refilled_at=now)
        db.session.add(allowance)
    else:
        elapsed = max((now - allowance.refilled_at).total_seconds(), 0.0)
        allowance.tokens = min(
            float(rate_per_minute), allowance.tokens + elapsed * rate_per_minute / 60
        )
        allowance.refilled_at = now
    return allowance


def _requeue_after():
    """A delivery task asked for but not started by then is asked for again."""
    return timedelta(seconds=current_app.config["MAIL_REQUEUE_AFTER_SECONDS"])


def fetch_due_message_ids(limit, now=None):
    """Ids of queued messages whose time has come and that no task was asked for lately.

    Read through the partial index on queued messages: the cost follows the queue, not
    the whole correspondence log.
    """
    now = now or utcnow()
    query = (
        select(Message.id)
        .where(
            Message.status == "queued",
            Message.next_attempt_at <= now,
            (Message.enqueued_at.is_(None)) | (Message.enqueued_at < now - _requeue_after()),
        )
        .order_by(Message.next_attempt_at, Message.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def mark_enqueued(message_ids, now=None):
    if message_ids:
        db.session.execute(
            update(Message).where(Message.id.in_(message_ids)).values(enqueued_at=now or utcnow())
        )


def plan_dispatch(rate_per_minute, batch_size, now=None):
    """Choose the due messages to hand to workers now, in batches; mark them handed out.

    Returns a list of id lists, one per delivery task. The caller commits, then enqueues.
    """
    now = now or utcnow()
    allowance = refilled_send_allowance(rate_per_minute, now)
    ids = fetch_due_message_ids(min(int(allowance.tokens), MOST_PER_SWEEP), now)
    allowance.tokens -= len(ids)
    mark_enqueued(ids, now)
    db.session.flush()
    return [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
