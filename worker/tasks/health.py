from celery import shared_task

from consult import queue
from consult.extensions import db
from consult.health import services


@shared_task(name=queue.RECORD_HEARTBEAT)
def record_heartbeat():
    """Note that the worker and beat are running, for the status shown to officers."""
    services.record_heartbeat()
    db.session.commit()


@shared_task(name=queue.CHECK_DATABASE, ignore_result=False)
def check_database():
    """Round trip for operators and tests: what the worker sees of the database."""
    return services.database_counts()
