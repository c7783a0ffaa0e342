"""The partner directory: sectors, organisations and their contacts."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Email, UTCDateTime, utcnow
from consult.extensions import db


class Sector(db.Model):
    """A kind of partner (school, police, NHS trust ...). Data, not code: admins add more."""

    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self):
        return f"<Sector {self.slug}>"


class Organisation(db.Model):
    """A partner body. Never deleted once it has requests: archived instead."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sectors.id"), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sector: Mapped[Sector] = relationship()
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="organisation", order_by="Contact.name"
    )

    def __repr__(self):
        return f"<Organisation {self.id} {self.name!r}>"


class Contact(db.Model):
    """A named person at an organisation. Their email is unique within it."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email"),
        Index("ix_contacts_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(Email)
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")

    def __repr__(self):
        return f"<Contact {self.id}>"


class PartnerImport(db.Model):
    """A CSV file of partners: checked and previewed, then imported by the worker.

    The file's text is kept only until it has been imported.
    """

    __tablename__ = "partner_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    # previewed, queued, importing, done
    status: Mapped[str] = mapped_column(String(20), default="previewed")
    total_rows: Mapped[int] = mapped_column(default=0)
    good_rows: Mapped[int] = mapped_column(default=0)
    done_rows: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")

    def __repr__(self):
        return f"<PartnerImport {self.id} {self.status}>"
