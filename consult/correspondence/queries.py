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
