"""Celery bound to the Flask app, as Flask's own example does: every task runs inside the
app context, and its database session is removed when it ends."""

import logging

from celery import Celery, Task
from celery.signals import task_failure, task_postrun, task_prerun, task_retry

from consult.extensions import db

logger = logging.getLogger("worker")


def celery_init_app(flask_app):
    """Make the Celery app for ``flask_app``, configured from its CELERY settings. The
    tasks are in ``worker/tasks/`` and the beat schedule in ``worker/schedule.py``, both
    loaded by ``worker/main.py``, the only process that runs them."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery_app = Celery(flask_app.name, task_cls=FlaskTask)
    celery_app.config_from_object(flask_app.config["CELERY"])
    celery_app.set_default()
    flask_app.extensions["celery"] = celery_app
    return celery_app


@task_prerun.connect
def _log_start(task_id=None, task=None, **_):
    logger.info("%s %s started", task.name, task_id)


@task_postrun.connect
def _log_end(task_id=None, task=None, state=None, **_):
    logger.info("%s %s finished: %s", task.name, task_id, state)


@task_retry.connect
def _log_retry(request=None, reason=None, sender=None, **_):
    logger.warning("%s %s retrying: %s", sender.name, request.id, reason)


@task_failure.connect
def _log_failure(task_id=None, exception=None, sender=None, **_):
    logger.error("%s %s failed: %r", sender.name, task_id, exception)
