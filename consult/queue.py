"""Asking the worker to do something, after the database has committed; and the name of
every task, written once.

Routes call ``enqueue`` only after ``db.session.commit()``, so a task never runs before the
rows it needs exist. If the broker is down the work is not lost: it is in the database,
and a beat sweep picks it up once the broker is back. The tasks themselves
(``worker/tasks/``) are registered under these same names, and
``tests/worker/test_task_names.py`` checks that every name is registered and no other is
written anywhere.
"""

import logging

from flask import current_app

logger = logging.getLogger(__name__)

DELIVER_MESSAGES = "consult.correspondence.deliver_messages"
SWEEP_OUTBOX = "consult.correspondence.sweep_outbox"
CLOSE_DUE_CONSULTATIONS = "consult.consultations.close_due"
IMPORT_PARTNERS = "consult.directory.import_partners"
SWEEP_IMPORTS = "consult.directory.sweep_imports"
RECORD_HEARTBEAT = "consult.health.record_heartbeat"
CHECK_DATABASE = "consult.health.check_database"
READ_MAILBOX = "consult.inbox.read_mailbox"
FILE_ARRIVALS = "consult.inbox.file_arrivals"
SUGGEST_THEMES = "consult.consideration.suggest_themes"
PREPARE_INVITATIONS = "consult.issuing.prepare_invitations"
SWEEP_PREPARING = "consult.issuing.sweep_preparing"
BUILD_ANNEX = "consult.publish.build_annex"
SWEEP_BUILDS = "consult.publish.sweep_builds"
SWEEP_REMINDERS = "consult.reminders.sweep"
SEND_DIGESTS = "consult.reminders.send_digests"
ERASE_EXPIRED = "consult.retention.erase_expired"

TASK_NAMES = (
    DELIVER_MESSAGES,
    SWEEP_OUTBOX,
    CLOSE_DUE_CONSULTATIONS,
    IMPORT_PARTNERS,
    SWEEP_IMPORTS,
    RECORD_HEARTBEAT,
    CHECK_DATABASE,
    READ_MAILBOX,
    FILE_ARRIVALS,
    SUGGEST_THEMES,
    PREPARE_INVITATIONS,
    SWEEP_PREPARING,
    BUILD_ANNEX,
    SWEEP_BUILDS,
    SWEEP_REMINDERS,
    SEND_DIGESTS,
    ERASE_EXPIRED,
)

# Give up quickly when the broker is down: the sweep will do the work later.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def enqueue(task_name, *args):
    """Send a task by its name (one of TASK_NAMES); True if the broker took it, False
    (logged) if not."""
    celery = current_app.extensions["celery"]
    try:
        celery.send_task(task_name, args=list(args), retry=True, retry_policy=_PUBLISH_RETRY)
    except Exception as error:
        logger.warning("could not enqueue %s: %r; the sweep will do it", task_name, error)
        return False
    return True
