import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from consult import queue
from consult.correspondence import delivery, services, transport
from consult.extensions import db
from consult.requests import services as requests

logger = logging.getLogger("worker")


@shared_task(name=queue.DELIVER_MESSAGES)
def deliver_messages(message_ids):
    """Send these stored messages over one connection.

    The batch is claimed in one commit; each message is marked sent in a commit of its
    own as soon as the mail server takes it; the batch's audit events follow together.
    Whatever this worker did not get to goes back to the queue.
    """
    config = current_app.config
    claimed = delivery.claim_batch(message_ids)
    db.session.commit()
    if not claimed:
        return 0  # sent, failed or claimed by another worker meanwhile
    messages = delivery.fetch_claimed(claimed)
    cancelled = delivery.cancel(requests.reminders_not_wanted(messages))
    db.session.commit()
    to_send = [message for message in messages if message.id not in cancelled]
    sent, tried = [], 0
    sender = transport.Sender()
    sent_log = delivery.sent_log()
    try:
        for message in to_send:
            tried += 1
            try:
                transport.send_claimed(message, sender)
            except (transport.TemporaryFailure, transport.PermanentFailure) as failure:
                failed = delivery.record_failure(message.id, failure, config)
                if failed is not None:
                    requests.record_failed(failed)
                db.session.commit()
                if getattr(failure, "connection_lost", False):
                    break  # the rest wait for the sweep to hand them out again
                continue
            delivery.mark_sent(sent_log, message.id)
            sent.append(message.id)
    finally:
        sender.close()
        sent_log.close()
        _put_back_and_record([message.id for message in to_send[tried:]], sent)
    return len(sent)


def _put_back_and_record(untried, sent):
    """After a batch, however it ended. If the database is out of reach, the sweep does
    both later: untried messages go back after MAIL_SENDING_TIMEOUT_SECONDS, and sends
    are recorded after as long."""
    try:
        db.session.rollback()
        delivery.release_untried(untried)
        requests.record_sent(delivery.record_sent(sent))
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.warning("could not record a batch's outcome: %r; the sweep will", error)


@shared_task(name=queue.SWEEP_OUTBOX)
def sweep_outbox():
    """Put back what lost workers left half-sent; hand due messages out at the send rate."""
    config = current_app.config
    timeout = timedelta(seconds=config["MAIL_SENDING_TIMEOUT_SECONDS"])
    services.release_stuck_messages(timeout)
    requests.record_sent(delivery.record_sent(delivery.fetch_unrecorded_sends(timeout)))
    batches = services.plan_dispatch(config["MAIL_SEND_RATE_PER_MINUTE"], config["MAIL_BATCH_SIZE"])
    db.session.commit()
    for batch in batches:
        deliver_messages.delay(batch)
    return sum(len(batch) for batch in batches)
