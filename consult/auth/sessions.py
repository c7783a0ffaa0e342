"""Signed-in sessions kept on the server.

The browser's session cookie carries a random secret; the ``sign_ins`` table keeps its
SHA-256 with the start and last-seen times. A session ends on sign-out, after
SESSION_IDLE_MINUTES without a request, SESSION_ABSOLUTE_HOURS after sign-in, or when the
user is disabled, and an ended session never comes back.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, flash, session
from sqlalchemy import select

from consult.auth.models import SignIn, User
from consult.db import utcnow
from consult.extensions import db, login_manager

SESSION_KEY = "sign_in"
# Writing last_seen_at on every request would turn reads into writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def init_app(app):
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session does this job
    login_manager.user_loader(load_signed_in_user)


def start(user, client_address=None, awaiting=None):
    """Begin a new session for ``user`` (after the password has been checked).

    ``awaiting`` ("code" or "enrolment") starts it half signed in: it opens no page until
    the second step is done, and that state lives here on the server, not in the cookie.
    """
    session.clear()  # a fresh session: nothing carried over from before sign-in
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        SignIn(
            user_id=user.id,
            secret_hash=_hash(secret),
            started_at=now,
            last_seen_at=now,
            client_address=client_address,
            awaiting=awaiting,
        )
    )
    if awaiting is None:
        user.last_signed_in_at = now
    session[SESSION_KEY] = secret
    return secret


def pending():
    """(sign-in, user) of this browser's half-finished sign-in, or (None, None) when
    there is none or it has taken longer than SECOND_FACTOR_MINUTES."""
    secret = session.get(SESSION_KEY)
    if not secret:
        return None, None
    row = db.session.execute(
        select(SignIn, User)
        .join(User, User.id == SignIn.user_id)
        .where(SignIn.secret_hash == _hash(secret))
    ).first()
    if row is None:
        return None, None
    sign_in, user = row
    limit = timedelta(minutes=current_app.config["SECOND_FACTOR_MINUTES"])
    if sign_in.awaiting is None or sign_in.ended_at is not None or user.is_disabled:
        return None, None
    if utcnow() - sign_in.started_at > limit:
        sign_in.ended_at, sign_in.end_reason = utcnow(), "second step not done"
        return None, None
    return sign_in, user


def complete(sign_in, user):
    """The second step is done: the session is signed in, under a new secret."""
    secret = secrets.token_urlsafe(32)
    sign_in.secret_hash = _hash(secret)
    sign_in.awaiting = None
    sign_in.last_seen_at = user.last_signed_in_at = utcnow()
    session[SESSION_KEY] = secret


def end(reason="signed out"):
    """End the current session on the server and forget it in the browser."""
    secret = session.get(SESSION_KEY)
    if secret:
        sign_in = db.session.scalar(select(SignIn).where(SignIn.secret_hash == _hash(secret)))
        if sign_in is not None and sign_in.ended_at is None:
            sign_in.ended_at = utcnow()
            sign_in.end_reason = reason
    session.clear()


def end_all_for(user, reason):
    """End every open session of ``user`` (when they are disabled)."""
    for sign_in in db.session.scalars(
        select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    ):
        sign_in.ended_at = utcnow()
        sign_in.end_reason = reason


def load_signed_in_user(user_id):
    """Flask-Login's loader: the user of a live server-side session, or None."""
    secret = session.get(SESSION_KEY)
    if not secret:
        return None
    row = db.session.execute(
        select(SignIn, User)
        .join(User, User.id == SignIn.user_id)
        .where(SignIn.secret_hash == _hash(secret))
    ).first()
    if row is None:
        return None
    sign_in, user = row
    if sign_in.ended_at is not None or sign_in.awaiting or str(user.id) != str(user_id):
        return None

    now = utcnow()
    config = current_app.config
    reason = None
    if user.is_disabled:
        reason = "user disabled"
    elif now - sign_in.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        reason = "idle"
        flash(
            f"You were signed out because you had not used Consult for "
            f"{config['SESSION_IDLE_MINUTES']} minutes. Sign in again.",
            "info",
        )
    elif now - sign_in.started_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        reason = "expired"
        flash(
            f"You were signed out because you signed in more than "
            f"{config['SESSION_ABSOLUTE_HOURS']} hours ago. Sign in again.",
            "info",
        )
    if reason:
        sign_in.ended_at = now
        sign_in.end_reason = reason
        db.session.commit()
        session.pop(SESSION_KEY, None)
        return None

    if now - sign_in.last_seen_at > LAST_SEEN_RESOLUTION:
        sign_in.last_seen_at = now
        db.session.commit()
    return user
