"""Asking the worker to do something, after the database has committed.

Routes call ``enqueue`` only after ``db.session.commit()``, so a task never runs before the
rows it needs exist. If the broker is down the work is not lost: it is in the database,
and a beat sweep picks it up once the broker is back.
"""

import logging

from flask import current_app

logger = logging.getLogger(__name__)

# Give up quickly when the broker is down: the sweep will do the work later.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def enqueue(task_name, *args):
    """Send a task by name; True if the broker took it, False (logged) if not."""
    celery = current_app.extensions["celery"]
    try:
        celery.send_task(task_name, args=list(args), retry=True, retry_policy=_PUBLISH_RETRY)
    except Exception as error:
        logger.warning("could not enqueue %s: %r; the sweep will do it", task_name, error)
        return False
    return True
