"""Responses: every version of an organisation's answer, never overwritten."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import UTCDateTime, in_list, utcnow
from consult.extensions import db

# The tally's rows, in the order they are shown.
STANCES = (
    "supports",
    "supports_with_reservations",
    "prefers_another_option",
    "does_not_support",
    "no_view",
)
STANCE_NAMES = {
    "supports": "Supports",
    "supports_with_reservations": "Supports with reservations",
    "prefers_another_option": "Prefers another option",
    "does_not_support": "Does not support",
    "no_view": "No view",
}
CHANNELS = ("web", "email", "post", "meeting")
CHANNEL_NAMES = {"web": "Web form", "email": "Email", "post": "Post", "meeting": "Meeting"}
PUBLICATION_CHOICES = ("publish", "publish_without_name", "do_not_publish")


class Response(db.Model):
    """One version of a request's response. Amending adds a version with the next number."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("request_id", "version"),
        CheckConstraint(in_list("stance", STANCES), name="stance"),
        CheckConstraint(in_list("channel", CHANNELS), name="channel"),
        CheckConstraint(in_list("publication", PUBLICATION_CHOICES), name="publication"),
        CheckConstraint(
            "(stance = 'prefers_another_option') = (alternative_option_id IS NOT NULL)",
            name="alternative_option_with_stance",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    version: Mapped[int]
    stance: Mapped[str] = mapped_column(String(30))
    alternative_option_id: Mapped[int | None] = mapped_column(ForeignKey("options.id"))
    comments: Mapped[str] = mapped_column(Text, default="")
    letter_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # The email an officer dropped in, kept whole (quoted thread and all) for officers only.
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    responder_name: Mapped[str] = mapped_column(String(200), default="")
    responder_role: Mapped[str] = mapped_column(String(200), default="")
    publication: Mapped[str] = mapped_column(String(30), default="publish")
    channel: Mapped[str] = mapped_column(String(10), default="web")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who put it in: the partner through their link, or an officer keying in a reply that
    # came by email, post or at a meeting.
    submitted_by_link_id: Mapped[int | None] = mapped_column(ForeignKey("recipient_links.id"))
    entered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request = relationship("Request")
    alternative_option = relationship("Option")
    letter_file = relationship("StoredFile", foreign_keys=[letter_file_id])
    source_file = relationship("StoredFile", foreign_keys=[source_file_id])
    entered_by = relationship("User")

    @property
    def stance_name(self):
        return STANCE_NAMES[self.stance]

    @property
    def channel_name(self):
        return CHANNEL_NAMES[self.channel]


class ResponseDraft(db.Model):
    """The answer an organisation is still writing: one per request, shared by its contacts.

    ``revision`` goes up with every save; a save from a form opened at an older revision is
    refused, so one contact never silently overwrites another's words.
    """

    __tablename__ = "response_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    revision: Mapped[int] = mapped_column(default=1)
    stance: Mapped[str | None] = mapped_column(String(30))
    alternative_option_id: Mapped[int | None] = mapped_column(ForeignKey("options.id"))
    comments: Mapped[str] = mapped_column(Text, default="")
    letter_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    responder_name: Mapped[str] = mapped_column(String(200), default="")
    responder_role: Mapped[str] = mapped_column(String(200), default="")
    publication: Mapped[str | None] = mapped_column(String(30))
    answers_for_organisation: Mapped[bool] = mapped_column(default=False)
    # The response version the writer started from (None: there was none yet).
    based_on_version: Mapped[int | None]
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_link_id: Mapped[int | None] = mapped_column(ForeignKey("recipient_links.id"))

    alternative_option = relationship("Option")
    letter_file = relationship("StoredFile")
