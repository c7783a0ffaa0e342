"""People who sign in (officers, scrutiny, admins) and their server-side sessions."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Email, UTCDateTime, in_list, utcnow
from consult.extensions import db

ROLES = ("officer", "scrutiny", "admin")
ROLE_NAMES = {"officer": "Officer", "scrutiny": "Scrutiny", "admin": "Admin"}


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

    sign_ins: Mapped[list["SignIn"]] = relationship(back_populates="user")

    @property
    def is_active(self):
        return not self.is_disabled

    @property
    def role_name(self):
        return ROLE_NAMES[self.role]

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

    user: Mapped[User] = relationship(back_populates="sign_ins")
