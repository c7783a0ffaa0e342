import time

from celery import shared_task

from consult import queue
from consult.extensions import db
from consult.reminders import digest, services

# A sweep task keeps taking batches for at most this long; the next beat does the rest.
SWEEP_SECONDS = 60


@shared_task(name=queue.SWEEP_REMINDERS)
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
        queue.enqueue(queue.SWEEP_OUTBOX)
    return {"reminders": sent, "skipped": skipped}


@shared_task(name=queue.SEND_DIGESTS)
def send_digests():
    """Store the officers' digests due today, then ask for them to be sent."""
    digests = digest.send_digests()
    db.session.commit()
    if digests:
        queue.enqueue(queue.SWEEP_OUTBOX)
    return digests
