"""Accounts: creating users and checking passwords."""

from sqlalchemy import select

from consult import addresses
from consult.audit import services as audit
from consult.auth.models import ROLES, User
from consult.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_verify_time,
    verify_password,
)
from consult.extensions import db


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def normalise_email(email):
    """``consult.addresses.normalise_email``, its complaint an AccountError."""
    try:
        return addresses.normalise_email(email)
    except addresses.AddressError as error:
        raise AccountError(str(error)) from None


def get_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(*, email, name, role, password, created_by=None):
    """Add a user with an Argon2 password hash. Raises AccountError for bad input."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise AccountError("Enter the person's name")
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}")
    problem = password_problem(password, name=name, email=email)
    if problem:
        raise AccountError(problem)
    if get_user_by_email(email) is not None:
        raise AccountError(f"There is already a user with the email address {email}")
    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user created", user=created_by, target_user_id=user.id, role=role)
    return user


def authenticate(email, password):
    """The user whose email and password these are, or None. Disabled users get None.

    A missing account costs the same hashing work as a wrong password.
    """
    user = get_user_by_email(email) if email else None
    if user is None:
        return spend_verify_time(password) or None
    if not verify_password(user.password_hash, password) or user.is_disabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
