"""Secret link tokens: 256 bits from ``secrets``; only the SHA-256 is ever stored."""

import hashlib
import secrets

from consult.extensions import db
from consult.issuing.models import LinkToken


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(link):
    """A new token for ``link``: the row (with the hash) and the raw token, which the
    caller seals into the one message that carries it and then forgets."""
    token = secrets.token_urlsafe(32)
    row = LinkToken(link=link, token_hash=hash_token(token))
    db.session.add(row)
    db.session.flush()
    return row, token
