from datetime import timedelta

from celery import shared_task
from flask import current_app

from consult.correspondence import delivery, services
from consult.correspondence.models import Message
from consult.extensions import db


@shared_task(name="consult.correspondence.deliver_messages")
def deliver_messages(message_ids):
    """Send these stored messages over one connection, committing each outcome."""
    config = current_app.config
    sender = delivery.Sender()
    try:
        for message_id in message_ids:
            if not delivery.claim(message_id):
                db.session.rollback()
                continue  # sent, failed or claimed by another worker meanwhile
            db.session.commit()
            message = db.session.get(Message, message_id)
            if delivery.cancel_if_no_longer_wanted(message):
                db.session.commit()
                continue
            try:
                delivery.send_claimed(message, sender)
            except (delivery.TemporaryFailure, delivery.PermanentFailure) as failure:
                delivery.record_failure(message, failure, config)
                db.session.commit()
                if getattr(failure, "connection_lost", False):
                    break  # the rest stay queued; the sweep hands them out again
                continue
            delivery.record_sent(message)
            db.session.commit()
    finally:
        sender.close()


@shared_task(name="consult.correspondence.sweep_outbox")
def sweep_outbox():
    """Put back what lost workers left half-sent; hand due messages out at the send rate."""
    config = current_app.config
    services.release_stuck_messages(timedelta(seconds=config["MAIL_SENDING_TIMEOUT_SECONDS"]))
    batches = services.plan_dispatch(config["MAIL_SEND_RATE_PER_MINUTE"], config["MAIL_BATCH_SIZE"])
    db.session.commit()
    for batch in batches:
        deliver_messages.delay(batch)
    return sum(len(batch) for batch in batches)
