"""The council's consideration of the replies: the points partners made, the themes they
are filed under, the council's response to each theme, and the themes Consult suggests.

A point quotes a passage of one version of a reply, so it stays true to what the partner
said even after they amend it; a theme carries the council's response and the change it
made (or why not), drafted and then agreed.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, in_list, utcnow
from consult.extensions import db

POINT_KINDS = ("condition", "reservation", "concern", "support", "suggestion", "other")
POINT_KIND_NAMES = {
    "condition": "Condition",
    "reservation": "Reservation",
    "concern": "Concern",
    "support": "Support",
    "suggestion": "Suggestion",
    "other": "Other",
}
# Where in the reply the quote was found.
POINT_SOURCES = ("comments", "letter")
RESPONSE_STATES = ("draft", "agreed")
SUGGESTION_STATES = ("queued", "running", "done", "failed")

point_themes = Table(
    "point_themes",
    db.metadata,
    Column("point_id", ForeignKey("points.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(db.Model):
    __tablename__ = "themes"
    __table_args__ = (
        UniqueConstraint("consultation_id", "name"),
        CheckConstraint(in_list("response_state", RESPONSE_STATES), name="response_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The council's response, and the change made or why none was.
    response: Mapped[str] = mapped_column(Text, default="")
    change_made: Mapped[str] = mapped_column(Text, default="")
    response_state: Mapped[str] = mapped_column(String(10), default="draft")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation = relationship("Consultation")
    points = relationship("Point", secondary=point_themes, back_populates="themes")
    updated_by = relationship("User")

    @property
    def agreed(self):
        return self.response_state == "agreed"


class Point(db.Model):
    __tablename__ = "points"
    __table_args__ = (
        CheckConstraint(in_list("kind", POINT_KINDS), name="kind"),
        CheckConstraint(in_list("source", POINT_SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    # The version of the reply the quote came from.
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    quote: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="comments")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request = relationship("Request")
    response = relationship("Response")
    themes = relationship(
        "Theme", secondary=point_themes, back_populates="points", order_by="Theme.name"
    )
    created_by = relationship("User")

    @property
    def kind_name(self):
        return POINT_KIND_NAMES[self.kind]


class SuggestionRun(db.Model):
    """Themes Consult suggests from the replies' unmarked paragraphs and the points so far,
    worked out by the worker (consideration/suggestions.py); the officer decides."""

    __tablename__ = "suggestion_runs"
    __table_args__ = (CheckConstraint(in_list("status", SUGGESTION_STATES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # [{"label", "existing_theme", "passages": [{"request_id", "organisation", "text"}]}]
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by = relationship("User")
