from celery import shared_task

from consult import queue
from consult.consultations import services
from consult.extensions import db


@shared_task(name=queue.CLOSE_DUE_CONSULTATIONS)
def close_due():
    """Close the consultations whose officer chose to close them a set time after the
    deadline, once that time has come."""
    closed = services.close_when_due()
    db.session.commit()
    return closed
