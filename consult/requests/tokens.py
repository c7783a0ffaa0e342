"""Secret link tokens: 256 bits from ``secrets``; only the SHA-256 is ever stored."""

import hashlib
import secrets

from sqlalchemy import insert

from consult.db import utcnow
from consult.extensions import db
from consult.requests.models import LinkToken


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(link, *, flush=True):
    """A new token for ``link``: the row (with the hash) and the raw token, which the
    caller seals into the one message that carries it and then forgets. ``flush=False``
    leaves the insert for the caller's next flush (many tokens in one round trip)."""
    token = secrets.token_urlsafe(32)
    row = LinkToken(link=link, token_hash=hash_token(token))
    db.session.add(row)
    if flush:
        db.session.flush()
    return row, token


def create_tokens(links):
    """A new token for each of ``links``, inserted in one statement: [(row id, raw
    token)], in the order of ``links``."""
    if not links:
        return []
    now = utcnow()
    tokens = [secrets.token_urlsafe(32) for _link in links]
    ids = db.session.scalars(
        insert(LinkToken).returning(LinkToken.id, sort_by_parameter_order=True),
        [
            {"link_id": link.id, "token_hash": hash_token(token), "created_at": now}
            for link, token in zip(links, tokens, strict=True)
        ],
    ).all()
    return list(zip(ids, tokens, strict=True))
