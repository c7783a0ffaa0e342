"""People who sign in (officers, scrutiny, admins) and their server-side sessions."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Email, UTCDateTime, in_list, utcnow
from consult.extensions import db

ROLES = ("officer", "scrutiny", "admin")
ROLE_NAMES = {"officer": "Officer", "scrutiny": "Scrutiny", "admin": "Admin"}
# The password hash of someone invited who has not yet chosen a password: no password
# matches it, because it is not a hash.
INVITED = "!invited"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(in_list("role", ROLES), name="role"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(Email, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in: the authenticator's secret, kept encrypted; it counts once the
    # first code from it has been checked. The last time-step used stops a code being
    # used twice.
    totp_secret_sealed: Mapped[str | None] = mapped_column(Text)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    sign_ins: Mapped[list["SignIn"]] = relationship(back_populates="user")

    @property
    def is_active(self):
        return not self.is_disabled

    @property
    def role_name(self):
        return ROLE_NAMES[self.role]

    @property
    def has_two_factor(self):
        return self.totp_enrolled_at is not None

    @property
    def is_invited(self):
        """Invited, and not yet set a password."""
        return self.password_hash == INVITED

    def __repr__(self):
        return f"<User {self.id} {self.role}>"


class SignIn(db.Model):
    """One signed-in session. The browser's cookie holds a secret whose hash is stored here.

    Signing out, a time-out or disabling the user ends it on the server, so a copied cookie
    stops working at once.
    """

    __tablename__ = "sign_ins"
    __table_args__ = (Index("ix_sign_ins_user_id_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    client_address: Mapped[str | None] = mapped_column(String(64))
    # Half signed in: the password was right, and a code ("code") or setting up two-factor
    # sign-in ("enrolment") is still needed. Such a session opens no page but those.
    awaiting: Mapped[str | None] = mapped_column(String(12))

    user: Mapped[User] = relationship(back_populates="sign_ins")


class RecoveryCode(db.Model):
    """A one-off code for signing in without the authenticator; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(db.Model):
    """A single-use, expiring link for a new user to choose their password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Setting(db.Model):
    """A setting an admin changes in the app (such as who must use two-factor sign-in)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
