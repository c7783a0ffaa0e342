from celery import shared_task

from consult import queue
from consult.db import utcnow
from consult.extensions import db
from consult.retention import services


@shared_task(name=queue.ERASE_EXPIRED)
def erase_expired():
    """Erase the personal details of consultations past their retention period."""
    done = services.erase_due(utcnow())
    db.session.commit()
    return [consultation.reference for consultation, _counts in done]
