from celery import shared_task

from consult.extensions import db
from consult.queue import enqueue
from consult.reminders import digest, services


@shared_task(name="consult.reminders.sweep")
def sweep_reminders():
    """Turn due reminder slots into messages, then ask for them to be sent."""
    sent, skipped = services.sweep_due_slots()
    db.session.commit()
    if sent:
        enqueue("consult.correspondence.sweep_outbox")
    return {"reminders": sent, "skipped": skipped}


@shared_task(name="consult.reminders.daily")
def daily():
    """Close consultations due to close, then store the officers' digests."""
    closed = digest.close_when_due()
    db.session.commit()
    digests = digest.send_digests()
    db.session.commit()
    if digests:
        enqueue("consult.correspondence.sweep_outbox")
    return {"closed": closed, "digests": digests}
