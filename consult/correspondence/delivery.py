"""The outbox's state machine: claim a batch, mark each message sent, record, retry.

A batch is claimed in one statement (``queued`` to ``sending``, only those still queued),
and the claim committed before the mail server is spoken to, so two workers never send
the same message. Each message is marked sent in its own short transaction the moment
the mail server takes it, so a worker killed mid-batch sends again at most the one
message in flight; what it had not yet tried waits in ``sending`` until the sweep puts it
back. A batch's sends are recorded together afterwards (``record_sent``), and the sweep
records any a lost worker left.

A temporary failure (no connection, a time-out, a 4xx reply) puts a message back in the
queue with a growing, jittered wait stored in ``next_attempt_at``; a permanent one (a 5xx
reply, a rejected address, a message that cannot be built), or a message the server has
put off too often, is marked failed with the reason. An unreachable server only ever
delays mail. This module knows messages only: what a send or a failure means for a
partner's request is ``consult/requests/services.py``'s, called by the task.
"""

import random
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from consult.correspondence.models import Message
from consult.correspondence.transport import TemporaryFailure
from consult.db import utcnow
from consult.extensions import db


def claim_batch(message_ids, now=None):
    """Mark these messages as being sent by this worker, in one statement. Returns the ids
    it got: those still queued and due (not sent, failed or claimed by another worker)."""
    if not message_ids:
        return []
    now = now or utcnow()
    claimed = db.session.scalars(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == "queued",
            Message.next_attempt_at <= now,
        )
        .values(status="sending", sending_started_at=now, attempts=Message.attempts + 1)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def fetch_claimed(message_ids):
    """The claimed messages as plain rows, in id order: read once, and unchanged by the
    commits that follow each send."""
    return db.session.execute(
        select(Message.__table__).where(Message.id.in_(message_ids)).order_by(Message.id)
    ).all()


def cancel(reasons):
    """Cancel claimed messages that are no longer wanted: ``reasons`` maps each id to why
    (kept as its last error). Returns the ids cancelled."""
    for message_id, reason in reasons.items():
        db.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == "sending")
            .values(status="cancelled", sealed_link=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
    return set(reasons)


def release_untried(message_ids):
    """Put claimed messages this worker did not try back in the queue, as they were: the
    attempt is not counted, and the sweep hands them out again in its own time."""
    if message_ids:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(message_ids), Message.status == "sending")
            .values(status="queued", attempts=Message.attempts - 1, sending_started_at=None)
            .execution_options(synchronize_session=False)
        )


def retry_delay(attempts, config):
    """Exponential back-off with jitter: about base x 2^(attempts-1), capped."""
    base = config["MAIL_RETRY_BASE_SECONDS"]
    cap = config["MAIL_RETRY_MAX_SECONDS"]
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.75, 1.25))  # noqa: S311 (jitter)


# Built once: marking a message sent is the one statement run for every email.
_MARK_SENT = (
    update(Message.__table__)
    .where(Message.__table__.c.id == bindparam("message_id"))
    .where(Message.__table__.c.status == "sending")
    .values(status="sent", sent_at=bindparam("sent_at"), sealed_link=None, last_error="")
)


def sent_log():
    """A connection of its own for ``mark_sent``, each statement committed as it runs: one
    round trip an email, so a killed worker sends again at most the one in flight."""
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def mark_sent(connection, message_id, now=None):
    """The mail server has the message: one statement, on a ``sent_log`` connection, so it
    is committed before the next message is tried."""
    connection.execute(_MARK_SENT, {"message_id": message_id, "sent_at": now or utcnow()})


def record_sent(message_ids, now=None):
    """Note, once per message however often this is called, that sending these messages
    has been recorded. Returns the rows newly noted (id, request_id, kind, sent_at), for
    the caller to record what each send means beyond the message."""
    if not message_ids:
        return []
    now = now or utcnow()
    return db.session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == "sent",
            Message.sent_recorded_at.is_(None),
        )
        .values(sent_recorded_at=now)
        .returning(Message.id, Message.request_id, Message.kind, Message.sent_at)
        .execution_options(synchronize_session=False)
    ).all()


def fetch_unrecorded_sends(older_than, now=None, limit=1_000):
    """Messages sent more than ``older_than`` ago whose sending was never recorded: their
    worker stopped between the send and the record. Through a partial index."""
    now = now or utcnow()
    return db.session.scalars(
        select(Message.id)
        .where(
            Message.status == "sent",
            Message.sent_recorded_at.is_(None),
            Message.sent_at < now - older_than,
        )
        .order_by(Message.sent_at, Message.id)
        .limit(limit)
    ).all()


def record_failure(message_id, failure, config, now=None):
    """Back to the queue with a wait, or failed for good; the reason is kept either way.
    Returns the message if it failed for good, else None.

    A mail server that cannot be reached says nothing about the message: it waits, with
    the wait growing to MAIL_RETRY_MAX_SECONDS, for as long as the server is away. A
    message the server itself keeps putting off (a 4xx reply) fails after
    MAIL_MAX_ATTEMPTS; one it refuses (a 5xx reply), or one that cannot be built, fails
    at once.
    """
    now = now or utcnow()
    message = db.session.get(Message, message_id)
    message.last_error = str(failure)
    server_away = isinstance(failure, TemporaryFailure) and failure.connection_lost
    if server_away or (
        isinstance(failure, TemporaryFailure) and message.attempts < config["MAIL_MAX_ATTEMPTS"]
    ):
        message.status = "queued"
        message.next_attempt_at = now + retry_delay(message.attempts, config)
        message.enqueued_at = None
        return None
    if isinstance(failure, TemporaryFailure):
        message.last_error = f"Gave up after {message.attempts} attempts. {failure}"
    message.status = "failed"
    message.failed_at = now
    message.sealed_link = None
    return message
