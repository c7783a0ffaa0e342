import logging

from celery import shared_task
from flask import current_app

from consult import queue
from consult.extensions import db
from consult.inbox import filing, imap

logger = logging.getLogger("worker")


@shared_task(name=queue.READ_MAILBOX)
def read_mailbox():
    """Store what is new in the reply mailbox, then file everything stored and not yet
    filed (this run's, and any a stopped worker left)."""
    config = current_app.config
    stored = 0
    if imap.is_configured(config):
        try:
            stored = imap.read_mailbox(config)
        except imap.MailboxUnavailable as error:
            db.session.rollback()
            logger.warning("reply mailbox not read: %s", error)
            filing.record_problem(imap.mailbox_name(config), str(error))
            db.session.commit()
    return stored, filing.file_waiting()
