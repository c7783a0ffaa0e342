"""Reads of one request: its links and contacts, and its tokens."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.extensions import db
from consult.requests.models import LinkToken, RecipientLink, Request


def get_request_with_links(request_id):
    """A request with its organisation, consultation, links and each link's contact."""
    return db.session.scalar(
        select(Request)
        .where(Request.id == request_id)
        .options(
            selectinload(Request.organisation),
            selectinload(Request.consultation),
            selectinload(Request.links).selectinload(RecipientLink.contact),
        )
    )


def fetch_token_counts(request_id):
    """For each link of the request: how many tokens it has had, and how many still work."""
    rows = db.session.execute(
        select(
            LinkToken.link_id,
            func.count(LinkToken.id),
            func.count(LinkToken.id).filter(LinkToken.revoked_at.is_(None)),
        )
        .join(RecipientLink, RecipientLink.id == LinkToken.link_id)
        .where(RecipientLink.request_id == request_id)
        .group_by(LinkToken.link_id)
    ).all()
    return {link_id: (total, live) for link_id, total, live in rows}
