"""Secret link tokens: 256 bits from ``secrets``; only the SHA-256 is ever stored."""

import hashlib
import secrets

from consult.extensions import db
from consult.issuing.models import LinkToken


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
