"""Admins manage who signs in: invitations, roles, disabling. Every change is audited,
and Consult always keeps at least one admin who can sign in."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from consult.audit import services as audit
from consult.auth import sessions
from consult.auth.models import INVITED, ROLES, Invitation, User
from consult.auth.passwords import hash_password, password_problem
from consult.auth.services import AccountError, get_user_by_email, normalise_email
from consult.correspondence.emails import compose
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.correspondence.services import store_message
from consult.db import utcnow
from consult.extensions import db


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def count_active_admins(excluding=None):
    """Admins who can sign in, other than ``excluding``. On PostgreSQL every such row is
    locked, in one order, until the caller commits: two admins demoting each other at the
    same moment are taken one after the other, and the second sees the first's change."""
    query = (
        select(User.id)
        .where(User.role == "admin", User.is_disabled.is_(False), User.password_hash != INVITED)
        .order_by(User.id)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    ids = db.session.scalars(query).all()
    return sum(1 for user_id in ids if excluding is None or user_id != excluding.id)


def invite_user(*, email, name, role, by):
    """Add a user who chooses their own password through an emailed, single-use link."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise AccountError("Enter the person's name")
    if role not in ROLES:
        raise AccountError("Choose a role")
    if any(character in name for character in "\r\n\0"):
        raise AccountError("Names cannot contain line breaks")
    if get_user_by_email(email) is not None:
        raise AccountError(f"There is already a user with the email address {email}")
    user = User(email=email, name=name, role=role, password_hash=INVITED)
    db.session.add(user)
    db.session.flush()
    audit.record("user invited", user=by, target_user_id=user.id, role=role)
    send_invitation(user, by=by)
    return user


def send_invitation(user, *, by):
    """A new link for ``user`` to choose a password; earlier links stop working."""
    if not user.is_invited:
        raise AccountError(f"{user.name} has already chosen a password")
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    hours = current_app.config["INVITATION_HOURS"]
    invitation = Invitation(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(invitation)
    db.session.flush()
    context = {
        "user": user,
        "by": by,
        "hours": hours,
        "url": invitation_url(LINK_PLACEHOLDER),
        "service_name": current_app.config["SERVICE_NAME"],
    }
    email = compose(
        f"You have been invited to {current_app.config['SERVICE_NAME']}",
        "account_invitation",
        context,
    )
    store_message(
        purpose=f"account-invitation:{invitation.id}",
        kind="account",
        to_address=user.email,
        to_name=user.name,
        subject=email.subject,
        text=email.text,
        html=email.html,
        user_id=user.id,
        token=token,
    )
    audit.record("invitation sent", user=by, target_user_id=user.id, invitation_id=invitation.id)
    return invitation


def invitation_url(token):
    return f"{current_app.config['APP_BASE_URL'].rstrip('/')}/invitations/{token}"


def find_invitation(token, now=None):
    """The live invitation with this token, or None (unknown, used or expired)."""
    now = now or utcnow()
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        return None
    if invitation.user.is_disabled:
        return None
    return invitation


def accept_invitation(invitation, password):
    user = invitation.user
    problem = password_problem(password, name=user.name, email=user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    invitation.used_at = utcnow()
    audit.record("invitation accepted", user=user, invitation_id=invitation.id)
    return user


def change_role(user, role, *, by):
    if role not in ROLES:
        raise AccountError("Choose a role")
    if user.role == role:
        return user
    if user.role == "admin" and count_active_admins(excluding=user) == 0:
        raise AccountError(
            f"{user.name} is the only admin who can sign in. Make someone else an admin first."
        )
    audit.record("role changed", user=by, target_user_id=user.id, was=user.role, now=role)
    user.role = role
    return user


def set_disabled(user, disabled, *, by):
    """Disable (every session ends at once) or re-enable a user."""
    if user.is_disabled == disabled:
        return user
    if disabled and user.role == "admin" and count_active_admins(excluding=user) == 0:
        raise AccountError(
            f"{user.name} is the only admin who can sign in. Make someone else an admin first."
        )
    user.is_disabled = disabled
    if disabled:
        sessions.end_all_for(user, "user disabled")
    audit.record("user disabled" if disabled else "user enabled", user=by, target_user_id=user.id)
    return user


def fetch_users():
    return db.session.scalars(select(User).order_by(User.is_disabled, User.name)).all()
