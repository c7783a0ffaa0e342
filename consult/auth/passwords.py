"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MINIMUM_LENGTH = 12

_hasher = PasswordHasher()
# Checked against when no user has the email, so a wrong email takes as long as a wrong
# password and response times do not reveal which addresses have accounts.
_UNUSED_HASH = _hasher.hash("no account has this password")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """True when ``password`` matches; never raises for a wrong or damaged hash."""
    try:
        return _hasher.verify(password_hash or _UNUSED_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_verify_time(password):
    """Do the work of a verification without an account, to keep timing even."""
    verify_password(_UNUSED_HASH, password)
    return False


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password):
    """What is wrong with a new password, or None."""
    if len(password) < MINIMUM_LENGTH:
        return f"Password must be {MINIMUM_LENGTH} characters or more"
    if len(password) > 1000:
        return "Password must be 1,000 characters or fewer"
    return None
