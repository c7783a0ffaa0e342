"""End to end with real parts: a Celery worker and beat on Redis deliver to an SMTP server.

And the fault drills: the mail server down then back, a worker killed mid-batch, Redis
stopped while an officer issues. Each proves every invitation arrives, none is lost, and
duplicates are at most one per killed worker.
"""

import pytest
from sqlalchemy import func, select

from config import celery_settings
from consult import create_app
from consult.correspondence.models import Message
from consult.extensions import db
from consult.issuing import services as issuing
from consult.queue import PREPARE_INVITATIONS
from tests import factories
from tests.conftest import make_config
from tests.processes import RedisServer, WorkerProcess, wait_until
from tests.services import REDIS_URL, redis_available, require
from tests.smtp import message_ids

pytestmark = [pytest.mark.worker, pytest.mark.redis]

FAST = {
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_SEND_RATE_PER_MINUTE": 60_000,
    "MAIL_BATCH_SIZE": 25,
    "OUTBOX_SWEEP_SECONDS": 1,
    "MAIL_RETRY_BASE_SECONDS": 1,
    "MAIL_RETRY_MAX_SECONDS": 2,
    "MAIL_SENDING_TIMEOUT_SECONDS": 3,
    "MAIL_REQUEUE_AFTER_SECONDS": 3,
    "MAIL_TIMEOUT_SECONDS": 5,
}


def issue_to(count):
    officer = factories.create_user("officer")
    organisations = [factories.create_organisation() for _ in range(count)]
    consultation = factories.create_ready_consultation(officer, organisations)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    return consultation


def statuses():
    db.session.rollback()  # see what the worker committed
    return dict(
        db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    )


def all_sent(count):
    return lambda: statuses().get("sent", 0) == count


@pytest.fixture
def worker_for(app, database_url, tmp_path, smtp_server):
    require(redis_available(), "Redis")
    started = []

    def start(redis_url=REDIS_URL, **settings):
        worker = WorkerProcess(
            database_url,
            redis_url,
            tmp_path,
            beat=True,
            **{**FAST, "MAIL_PORT": smtp_server.port, **settings},
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
        print(worker.log()[-5000:])


def test_worker_and_beat_deliver_every_invitation_once(worker_for, smtp_server):
    issue_to(12)

    worker_for()

    assert wait_until(all_sent(12), timeout=90), statuses()
    assert len(smtp_server.inbox.messages) == 12
    assert len(set(message_ids(smtp_server.inbox))) == 12


def test_the_worker_writes_the_invitations_the_officers_issue_left_and_each_arrives_once(
    worker_for, smtp_server, database_url, tmp_path
):

    officer = factories.create_user("officer")
    organisations = [factories.create_organisation() for _ in range(30)]
    consultation = factories.create_ready_consultation(officer, organisations)
    # As the officer's page does: the first few in its transaction, the rest by the worker.
    issuing.issue(consultation, by=officer, invitations_now=5)
    db.session.commit()
    # The officer's page asks the worker for the rest, through Redis (the test app's own
    # broker is a folder no worker reads: the sweep would find the work a minute later).
    # The worker first, as in production: Redis drops a task for a queue nobody has bound.
    worker = worker_for().wait_until_ready()
    sender = create_app(
        make_config(database_url, tmp_path, CELERY=celery_settings(REDIS_URL, tmp_path))
    ).extensions["celery"]
    sender.send_task(PREPARE_INVITATIONS, args=[consultation.id], queue=worker.queue)

    assert wait_until(all_sent(30), timeout=120), statuses()
    ids = message_ids(smtp_server.inbox)
    assert len(ids) == len(set(ids)) == 30
    db.session.refresh(consultation)
    assert consultation.invitations_prepared_at is not None


@pytest.mark.serial
def test_drill_mail_server_refusing_connections_then_coming_back(worker_for, smtp_server):
    smtp_server.stop()
    issue_to(10)
    worker_for()

    tried = wait_until(
        lambda: (
            db.session.rollback()
            or db.session.scalar(
                select(func.count()).select_from(Message).where(Message.attempts >= 1)
            )
        ),
        timeout=60,
    )
    assert tried, "the worker never tried the dead server"
    smtp_server.start()

    assert wait_until(all_sent(10), timeout=120), statuses()
    ids = message_ids(smtp_server.inbox)
    assert len(ids) == len(set(ids)) == 10, "lost or duplicated"


@pytest.mark.serial
def test_drill_worker_killed_mid_batch_then_restarted(worker_for, smtp_server):
    smtp_server.inbox.delay = 0.05
    issue_to(60)
    worker = worker_for()

    assert wait_until(lambda: len(smtp_server.inbox.messages) >= 10, timeout=90)
    worker.kill()
    worker_for()

    assert wait_until(all_sent(60), timeout=180), statuses()
    ids = message_ids(smtp_server.inbox)
    assert len(set(ids)) == 60, "an invitation was lost"
    assert len(ids) - len(set(ids)) <= 1, "more than one duplicate for one kill"


@pytest.mark.serial
def test_drill_redis_down_while_an_officer_issues(app, client, sign_in, worker_for, smtp_server):
    redis = RedisServer().start()
    try:
        officer = sign_in("officer")
        organisations = [factories.create_organisation() for _ in range(5)]
        consultation = factories.create_ready_consultation(officer, organisations)
        db.session.commit()
        app.extensions["celery"].conf.broker_url = redis.url
        redis.stop()

        response = client.post(f"/consultations/{consultation.id}/issue")

        assert response.status_code == 302
        assert statuses() == {"queued": 5}
        redis.start()
        worker_for(redis_url=redis.url)
        assert wait_until(all_sent(5), timeout=90), statuses()
        assert len(set(message_ids(smtp_server.inbox))) == len(smtp_server.inbox.messages) == 5
    finally:
        redis.stop()


@pytest.mark.serial
def test_drill_postgresql_restarted_during_sending(tmp_path, smtp_server):
    """Its own PostgreSQL server, restarted while a worker is part-way through sending."""
    from consult import create_app
    from tests.conftest import make_config
    from tests.processes import PostgresServer
    from tests.services import in_ci

    require(redis_available(), "Redis")
    if not PostgresServer.available():
        if in_ci():
            pytest.fail("CI must be able to start its own PostgreSQL (root, runuser, initdb)")
        pytest.skip("cannot start a private PostgreSQL here (needs root and initdb)")
    postgres = PostgresServer().start()
    worker = None
    app = create_app(make_config(postgres.url, tmp_path))
    try:
        with app.app_context():
            db.create_all()
            from tests.worker.test_fault_drills import COUNT, issue_to_many, verdict

            smtp_server.inbox.delay = 0.002
            issue_to_many(COUNT)
            worker = WorkerProcess(
                postgres.url,
                REDIS_URL,
                tmp_path,
                beat=True,
                **{**FAST, "MAIL_PORT": smtp_server.port},
            ).start()
            assert wait_until(lambda: len(smtp_server.inbox.messages) >= COUNT // 4, timeout=240)

            postgres.restart()
            db.engine.dispose()

            assert wait_until(all_sent(COUNT), timeout=600), statuses()
            verdict("PostgreSQL restarted", smtp_server, expected=COUNT, kills=1)
            db.session.remove()
            db.engine.dispose()
    finally:
        if worker is not None:
            worker.stop()
            print(worker.log()[-5000:])
        postgres.stop()


def test_beat_and_worker_deliver_a_due_reminder_end_to_end(worker_for, smtp_server):
    from sqlalchemy import update

    from consult.db import utcnow
    from consult.reminders.models import ReminderSlot

    issue_to(2)
    db.session.execute(
        update(ReminderSlot).where(ReminderSlot.offset_days == -7).values(due_at=utcnow())
    )
    db.session.commit()

    worker_for(REMINDER_SWEEP_SECONDS=1)

    def reminders_arrived():
        subjects = [message["Subject"] for _to, message in smtp_server.inbox.messages]
        return sum(subject.startswith("Reminder: ") for subject in subjects) == 2

    assert wait_until(reminders_arrived, timeout=90), statuses()
    assert wait_until(all_sent(4), timeout=30), statuses()
