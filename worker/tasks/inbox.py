import logging

from celery import shared_task
from flask import current_app

from consult import queue
from consult.extensions import db
from consult.inbox import filing, imap

logger = logging.getLogger("worker")


@shared_task(name=queue.READ_MAILBOX)
def read_mailbox():
    """Store what is new in the reply mailbox, asking for each stored batch to be filed
    (by whichever worker processes are free), then file what earlier runs stored and no
    task filed (a task lost with a stopped worker, or never queued). One worker reads at
    a time: a poll that finds the mailbox held by another does nothing."""
    config = current_app.config
    if not imap.is_configured(config):
        return 0, filing.file_waiting()
    name = imap.mailbox_name(config)
    if not filing.hold_mailbox(name):
        return 0, 0
    stored, first = 0, []

    def have_filed(arrival_ids):
        first.append(arrival_ids[0])
        if not queue.enqueue(queue.FILE_ARRIVALS, arrival_ids):
            filing.file_arrivals(arrival_ids)  # no broker: this process files them

    try:
        stored = imap.read_mailbox(config, on_stored=have_filed)
    except imap.MailboxUnavailable as error:
        db.session.rollback()
        logger.warning("reply mailbox not read: %s", error)
        filing.record_problem(name, str(error))
        db.session.commit()
    finally:
        db.session.rollback()
        filing.release_mailbox(name)
    return stored, filing.file_waiting(before=first[0] if first else None)


@shared_task(name=queue.FILE_ARRIVALS)
def file_arrivals(arrival_ids):
    """File one stored batch of the reply mailbox."""
    return filing.file_arrivals(arrival_ids)
