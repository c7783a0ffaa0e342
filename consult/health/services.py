"""The worker's heartbeat and a database round trip."""

from datetime import timedelta

from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.health.models import WorkerHeartbeat

HEARTBEAT = "worker"
# Beat asks every minute; allow for a slow tick before calling the worker stopped.
STALE_AFTER = timedelta(minutes=3)


def record_heartbeat():
    heartbeat = db.session.get(WorkerHeartbeat, HEARTBEAT)
    if heartbeat is None:
        heartbeat = WorkerHeartbeat(name=HEARTBEAT)
        db.session.add(heartbeat)
    heartbeat.beat_at = utcnow()
    return heartbeat


def is_worker_running():
    """True when the worker and beat have run in the last few minutes."""
    beat_at = db.session.scalar(
        select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.name == HEARTBEAT)
    )
    return beat_at is not None and utcnow() - beat_at < STALE_AFTER


def database_counts():
    return {
        "users": db.session.scalar(select(func.count(User.id))),
        "consultations": db.session.scalar(select(func.count(Consultation.id))),
    }
