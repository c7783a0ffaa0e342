from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import UTCDateTime
from consult.extensions import db


class WorkerHeartbeat(db.Model):
    """When beat and a worker last ran a task together: if this is old, mail is waiting."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
