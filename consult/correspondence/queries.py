"""Reads of the correspondence log: what was sent, to whom, and how it went."""

from sqlalchemy import func, select

from consult.correspondence.models import INVITATION_KINDS, MESSAGE_STATES, Message
from consult.extensions import db


def fetch_send_out(consultation_id):
    """Invitations of a consultation counted by status: {"queued": n, "sent": n, ...}.

    One GROUP BY, whatever the number of recipients.
    """
    rows = db.session.execute(
        select(Message.status, func.count(Message.id))
        .where(Message.consultation_id == consultation_id, Message.kind.in_(INVITATION_KINDS))
        .group_by(Message.status)
    ).all()
    counts = dict.fromkeys(MESSAGE_STATES, 0)
    counts.update(dict(rows))
    counts["total"] = sum(counts[state] for state in MESSAGE_STATES)
    counts["waiting"] = counts["queued"] + counts["sending"]
    return counts


def fetch_delivery_problems(consultation_id, limit=100):
    """Messages of a consultation that failed, or are waiting after a failed attempt."""
    return db.session.scalars(
        select(Message)
        .where(
            Message.consultation_id == consultation_id,
            (Message.status == "failed")
            | ((Message.status == "queued") & (Message.last_error != "")),
        )
        .order_by(Message.created_at, Message.id)
        .limit(limit)
    ).all()


def fetch_consultation_messages(consultation_id, page, status=None, per_page=50):
    """The consultation's correspondence log, newest first, a page at a time."""
    query = select(Message).where(Message.consultation_id == consultation_id)
    if status in MESSAGE_STATES:
        query = query.where(Message.status == status)
    return db.paginate(
        query.order_by(Message.created_at.desc(), Message.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def fetch_request_messages(request_id):
    """Every message about one request, oldest first."""
    return db.session.scalars(
        select(Message)
        .where(Message.request_id == request_id)
        .order_by(Message.created_at, Message.id)
    ).all()


def get_message(message_id):
    return db.session.get(Message, message_id)


def fetch_messages_for_requests(request_ids, status=None):
    """{request id: [Message, ...] oldest first} (one query)."""
    found = {request_id: [] for request_id in request_ids}
    if not request_ids:
        return found
    query = select(Message).where(Message.request_id.in_(request_ids))
    if status in MESSAGE_STATES:
        query = query.where(Message.status == status)
    for message in db.session.scalars(query.order_by(Message.created_at, Message.id)):
        found[message.request_id].append(message)
    return found


def fetch_staff_messages(consultation_id, status=None, limit=100):
    """The consultation's emails to council staff (the officer's digests), about no one
    request: the newest ``limit``, oldest first."""
    query = select(Message).where(
        Message.consultation_id == consultation_id, Message.request_id.is_(None)
    )
    if status in MESSAGE_STATES:
        query = query.where(Message.status == status)
    newest = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    return list(reversed(db.session.scalars(newest).all()))


def count_consultation_messages(consultation_id, status=None):
    query = select(func.count(Message.id)).where(Message.consultation_id == consultation_id)
    if status in MESSAGE_STATES:
        query = query.where(Message.status == status)
    return db.session.scalar(query)
