"""A real Celery worker process, against Redis, runs our tasks in the app context."""

import pytest

from config import celery_settings
from consult import ROOT, create_app
from consult.extensions import db
from consult.health import services as health
from consult.queue import CHECK_DATABASE, RECORD_HEARTBEAT
from tests import factories
from tests.conftest import make_config
from tests.processes import WorkerProcess
from tests.services import REDIS_URL, redis_available, require


@pytest.fixture
def redis_worker(app, database_url, tmp_path):
    """A worker process on its own queue; yields a Celery app that sends to it."""
    require(redis_available(), "Redis")
    worker = WorkerProcess(database_url, REDIS_URL, tmp_path).start()
    sender = create_app(
        make_config(
            database_url, tmp_path, REDIS_URL=REDIS_URL, CELERY=celery_settings(REDIS_URL, tmp_path)
        )
    ).extensions["celery"]
    yield sender, worker.queue
    worker.stop()
    print(worker.log())


@pytest.mark.worker
@pytest.mark.redis
def test_a_task_round_trips_through_a_real_worker_and_sees_the_database(redis_worker):
    sender, queue = redis_worker
    factories.create_user("officer")
    factories.create_user("scrutiny")
    db.session.commit()

    result = sender.send_task(CHECK_DATABASE, queue=queue)

    assert result.get(timeout=60) == {"users": 2, "consultations": 0}


@pytest.mark.worker
@pytest.mark.redis
def test_the_worker_commits_what_a_task_writes(redis_worker):
    sender, queue = redis_worker
    assert not health.is_worker_running()

    sender.send_task(RECORD_HEARTBEAT, queue=queue)

    for _ in range(120):
        db.session.rollback()  # see the worker's commit
        if health.is_worker_running():
            break
        import time

        time.sleep(0.5)
    assert health.is_worker_running()


def test_the_worker_runs_json_only_with_late_acknowledgement(app):
    celery = app.extensions["celery"]

    assert celery.conf.task_serializer == "json"
    assert celery.conf.accept_content == ["json"]
    assert celery.conf.task_acks_late is True
    redis_settings = celery_settings("redis://127.0.0.1:6379/0", ROOT / "instance")
    visibility = redis_settings["broker_transport_options"]["visibility_timeout"]
    assert visibility > redis_settings["task_time_limit"]


def test_every_scheduled_task_is_a_registered_named_task(app):
    import worker.tasks  # noqa: F401
    from worker.schedule import beat_schedule

    celery = app.extensions["celery"]
    for entry in beat_schedule(app.config).values():
        assert entry["task"] in celery.tasks
        assert entry["schedule"] <= 3600, "beat ticks; what is due lives in the database"


def test_without_redis_the_broker_is_an_embedded_sqlite_file(tmp_path):
    settings = celery_settings(None, tmp_path)

    assert settings["broker_url"] == f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    assert celery_settings("redis://127.0.0.1:6379/0", tmp_path)["broker_url"].startswith(
        "redis://"
    )


@pytest.mark.worker
def test_without_redis_a_worker_runs_tasks_through_the_embedded_broker(app, database_url, tmp_path):
    """What `make run` does on a laptop with nothing installed."""
    factories.create_user("admin")
    db.session.commit()
    worker = WorkerProcess(database_url, None, tmp_path).start()
    try:
        sender = create_app(make_config(database_url, tmp_path)).extensions["celery"]
        result = sender.send_task(CHECK_DATABASE, queue=worker.queue)
        assert result.get(timeout=60) == {"users": 1, "consultations": 0}
    finally:
        worker.stop()
        print(worker.log())
