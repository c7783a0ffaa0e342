import time

from celery import shared_task

from consult.extensions import db
from consult.queue import enqueue
from consult.reminders import digest, services

# A sweep task keeps taking batches for at most this long; the next beat does the rest.
SWEEP_SECONDS = 60


@shared_task(name="consult.reminders.sweep")
def sweep_reminders():
    """Turn due reminder slots into messages, a batch per transaction, then ask for them
    to be sent."""
    sent = skipped = 0
    deadline = time.monotonic() + SWEEP_SECONDS
    while True:
        batch_sent, batch_skipped = services.sweep_due_slots()
        db.session.commit()
        sent, skipped = sent + batch_sent, skipped + batch_skipped
        if batch_sent + batch_skipped == 0 or time.monotonic() > deadline:
            break
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
