"""The audit trail's hash chain.

As a transaction commits, each event it recorded takes the next place in the chain under
a lock on the chain's head row, with a hash over its content and the previous event's
hash, and is written sealed (one statement for all of them). The lock is taken last,
after every other change is written and just before the commit, so it is held only for
a moment and never while waiting for another lock. On PostgreSQL a trigger
refuses to delete an event or change a sealed one; ``verify`` finds any row changed or
removed by someone who got round it.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import event, func, insert, select

from consult.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
PENDING_KEY = "audit_events_to_seal"


def event_hash(previous_hash, audit_event):
    """SHA-256 over the previous hash and the event's content, in a fixed form."""
    content = [
        audit_event.sequence,
        audit_event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        audit_event.action,
        audit_event.user_id,
        audit_event.recipient_link_id,
        audit_event.consultation_id,
        audit_event.request_id,
        audit_event.details or {},
    ]
    payload = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256((previous_hash + payload).encode("utf-8")).hexdigest()


def remember(session, audit_event):
    """Note an event to seal when this session commits."""
    session.info.setdefault(PENDING_KEY, []).append(audit_event)


def _lock_head(session):
    head = session.scalar(select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update())
    if head is None:
        head = AuditChainHead(id=1, sequence=0, hash=GENESIS)
        session.add(head)
    return head


def seal(session):
    """Chain the events this transaction recorded, in the order it recorded them. Called
    just before it commits.

    Everything else the transaction changes is written first, so that once the head is
    locked nothing can wait for another lock. Events not yet written are then written
    already sealed, in one insert (new rows, which wait for nobody); any an earlier flush
    wrote are sealed in place.
    """
    pending = session.info.pop(PENDING_KEY, [])
    pending = [item for item in pending if item.hash is None and item in session]
    if not pending:
        return
    unwritten = [item for item in pending if item in session.new]
    for item in unwritten:
        session.expunge(item)
    session.flush()
    head = _lock_head(session)
    for audit_event in pending:
        audit_event.sequence = head.sequence + 1
        audit_event.previous_hash = head.hash
        audit_event.hash = event_hash(head.hash, audit_event)
        head.sequence, head.hash = audit_event.sequence, audit_event.hash
    if unwritten:
        # One statement of plain rows: no event is read back, and the session need not
        # track a batch's worth of objects (a worker records a hundred sends at once).
        session.execute(insert(AuditEvent.__table__), [_row(item) for item in unwritten])
    session.flush()


def _row(audit_event):
    return {column: getattr(audit_event, column) for column in _COLUMNS}


_COLUMNS = (
    "occurred_at",
    "action",
    "user_id",
    "recipient_link_id",
    "consultation_id",
    "request_id",
    "details",
    "sequence",
    "previous_hash",
    "hash",
)


def _forget(session, *args):
    session.info.pop(PENDING_KEY, None)


def init_app(scoped_session):
    """Seal new events whenever ``scoped_session`` commits (registered once)."""
    if not event.contains(scoped_session, "before_commit", seal):
        event.listen(scoped_session, "before_commit", seal)
        event.listen(scoped_session, "after_rollback", _forget)


@dataclass
class Verdict:
    intact: bool
    events: int
    message: str


def verify(session, *, batch=5000):
    """Walk the chain from the start; the first broken link, if any, is named."""
    head = session.get(AuditChainHead, 1)
    unsealed = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.hash.is_(None)))
    previous_hash, expected_sequence = GENESIS, 1
    last_sequence = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.sequence >= expected_sequence)
            .order_by(AuditEvent.sequence)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.sequence != expected_sequence:
                return Verdict(
                    False,
                    last_sequence,
                    f"Event {expected_sequence} is missing: the chain jumps from event "
                    f"{expected_sequence - 1} to event {row.sequence}. It has been deleted.",
                )
            if row.previous_hash != previous_hash:
                return Verdict(
                    False,
                    last_sequence,
                    f"Event {row.sequence} (id {row.id}, {row.action}) does not follow event "
                    f"{row.sequence - 1}: the event before it was changed or removed.",
                )
            if event_hash(previous_hash, row) != row.hash:
                return Verdict(
                    False,
                    last_sequence,
                    f"Event {row.sequence} (id {row.id}, {row.action}) has been changed since "
                    "it was recorded: its content no longer matches its hash.",
                )
            previous_hash, last_sequence = row.hash, row.sequence
            expected_sequence += 1
        session.expunge_all()
    if head is not None and head.sequence != last_sequence:
        return Verdict(
            False,
            last_sequence,
            f"The chain should end at event {head.sequence} but ends at event "
            f"{last_sequence}: the latest events have been deleted.",
        )
    if unsealed:
        return Verdict(
            False,
            last_sequence,
            f"{unsealed} events are outside the chain: they were written without being sealed.",
        )
    return Verdict(True, last_sequence, f"The audit trail is intact: {last_sequence} events.")
