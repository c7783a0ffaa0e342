from datetime import timedelta

from celery import shared_task

from consult import queue
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.issuing import services

# A consultation still preparing this long after issue has lost its task.
PREPARING_GRACE = timedelta(minutes=1)


@shared_task(name=queue.PREPARE_INVITATIONS)
def prepare_invitations(consultation_id):
    """Store an issued consultation's remaining invitations, a chunk per commit, asking
    for each chunk to be sent as soon as it is committed."""
    stored = 0
    while True:
        consultation = db.session.get(Consultation, consultation_id)
        chunk = services.prepare_invitations(consultation, limit=services.INVITATIONS_PER_CHUNK)
        db.session.commit()
        stored += chunk
        if chunk:
            queue.enqueue(queue.SWEEP_OUTBOX)
        if chunk < services.INVITATIONS_PER_CHUNK:
            return stored


@shared_task(name=queue.SWEEP_PREPARING)
def sweep_preparing():
    """Ask again for the invitations of consultations whose task was lost (queued while
    the broker was down, or left half done by a worker that stopped)."""
    waiting = services.fetch_consultations_preparing(PREPARING_GRACE)
    db.session.commit()
    for consultation_id in waiting:
        queue.enqueue(queue.PREPARE_INVITATIONS, consultation_id)
    return len(waiting)
