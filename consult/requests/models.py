"""Requests (one consultation sent to one organisation) and each recipient's secret link."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, in_list, utcnow
from consult.extensions import db

# "draft": picked as a recipient of a consultation not yet issued. "overdue" and "late"
# are worked out from the deadline, never stored.
REQUEST_STATES = (
    "draft",
    "issued",
    "sent",
    "opened",
    "responded",
    "declined",
    "withdrawn",
    "failed",
)
# States in which a request still waits for the organisation's answer.
OUTSTANDING_STATES = ("issued", "sent", "opened", "failed")


class Request(db.Model):
    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("consultation_id", "organisation_id"),
        CheckConstraint(in_list("status", REQUEST_STATES), name="status"),
        Index("ix_requests_consultation_id_status", "consultation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The version number of the current response; the versions are in "responses".
    response_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation = relationship("Consultation")
    organisation = relationship("Organisation")
    links: Mapped[list["RecipientLink"]] = relationship(
        back_populates="request", order_by="RecipientLink.id"
    )

    def __repr__(self):
        return f"<Request {self.id} {self.status}>"


class RecipientLink(db.Model):
    """One contact's own way into their organisation's request.

    Revoking one person's link leaves the other contacts' links working. Each email that
    carries the link (the invitation, each reminder) carries a token of its own, so no
    token ever has to be kept in the clear to be sent again; every one of them opens this
    link until the link is revoked or expires.
    """

    __tablename__ = "recipient_links"
    __table_args__ = (UniqueConstraint("request_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[Request] = relationship(back_populates="links")
    contact = relationship("Contact")
    tokens: Mapped[list["LinkToken"]] = relationship(back_populates="link")


class LinkToken(db.Model):
    """A secret token in one email: 256 bits from ``secrets``, only its SHA-256 kept here."""

    __tablename__ = "link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("recipient_links.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    link: Mapped[RecipientLink] = relationship(back_populates="tokens")
