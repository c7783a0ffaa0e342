"""Reads of the correspondence log."""

from sqlalchemy import select

from consult.correspondence.models import Message
from consult.extensions import db


def fetch_mailbox_page(page, per_page=50):
    """Newest messages first, a page at a time."""
    return db.paginate(
        select(Message).order_by(Message.created_at.desc(), Message.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def get_message(message_id):
    return db.session.get(Message, message_id)
