"""Keeping a partner's token secret between issuing and sending.

The token is encrypted (Fernet, with a key derived from SECRET_KEY) while its message waits
in the outbox, and wiped once the message is sent or has failed.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class SealError(ValueError):
    """A sealed token cannot be opened (SECRET_KEY changed since it was sealed)."""


def _fernet(label):
    return _fernet_for(label, current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)  # one key a kind: sealing thousands of links derives it once
def _fernet_for(label, secret_key):
    key = hashlib.sha256(b"consult sealed " + label.encode() + b"\0" + secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def seal(token, label="partner link"):
    """``token`` encrypted with a key of its own kind (``label``) from SECRET_KEY."""
    return _fernet(label).encrypt(token.encode()).decode()


def unseal(sealed, label="partner link"):
    try:
        return _fernet(label).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SealError("the link could not be read; resend it to the partner") from None
