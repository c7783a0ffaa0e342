"""Fault drills at scale: while 1,000 invitations are sending, kill the worker, stop the
mail server for a minute, restart Redis, restart PostgreSQL; and run two beats through a
reminder slot. Each drill prints and asserts: lost 0, duplicates at most the number of
kills, reminders sent twice 0.

Run on PostgreSQL (the production database). DRILL_INVITATIONS sets the number (1,000).
"""

import os
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, update

from consult.correspondence.models import Message
from consult.db import utcnow
from consult.directory import services as directory
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.issuing import services as issuing
from consult.reminders.models import ReminderSlot
from tests import factories
from tests.processes import RedisServer, WorkerProcess, wait_until
from tests.services import redis_available, require

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.serial,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

COUNT = int(os.environ.get("DRILL_INVITATIONS", 1000))
FAST = {
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_SEND_RATE_PER_MINUTE": 600_000,
    "MAIL_BATCH_SIZE": 50,
    "OUTBOX_SWEEP_SECONDS": 1,
    "MAIL_RETRY_BASE_SECONDS": 1,
    "MAIL_RETRY_MAX_SECONDS": 4,
    "MAIL_SENDING_TIMEOUT_SECONDS": 5,
    "MAIL_REQUEUE_AFTER_SECONDS": 5,
    "MAIL_TIMEOUT_SECONDS": 5,
}


def issue_to_many(count=COUNT):
    """A consultation issued to ``count`` organisations, each with one contact."""
    officer = factories.create_user("officer")
    sector = directory.ensure_sector("school", "School")
    ids = db.session.scalars(
        sa.insert(Organisation).returning(Organisation.id),
        [
            {"name": f"Drill school {n}", "sector_id": sector.id, "address": "", "notes": ""}
            for n in range(count)
        ],
    ).all()
    db.session.execute(
        sa.insert(Contact),
        [
            {
                "organisation_id": organisation_id,
                "name": f"Head {n}",
                "role": "Headteacher",
                "email": f"head{n}@drill-school.example",
                "phone": "",
            }
            for n, organisation_id in enumerate(ids)
        ],
    )
    consultation = factories.create_ready_consultation(officer, [])
    issuing.add_recipients(consultation, db.session.scalars(select(Contact)).all())
    issuing.issue(consultation, by=officer)
    db.session.commit()
    return consultation


def sent_count():
    db.session.rollback()  # see what the workers committed
    return db.session.scalar(
        select(func.count()).select_from(Message).where(Message.status == "sent")
    )


def unsent():
    """What became of the messages not sent, for a failing drill to say."""
    db.session.rollback()
    rows = db.session.execute(
        select(Message.status, Message.attempts, Message.last_error)
        .where(Message.status != "sent")
        .limit(10)
    ).all()
    return [tuple(row) for row in rows]


def arrived(smtp_server, subject_start=None):
    """Message-IDs of what reached the mail server (optionally only some subjects)."""
    return [
        message["Message-ID"]
        for _to, message in smtp_server.inbox.messages
        if subject_start is None or message["Subject"].startswith(subject_start)
    ]


def verdict(name, smtp_server, *, expected, kills=0, subject_start=None):
    """Print the drill's outcome and assert nothing was lost or sent twice too often."""
    ids = arrived(smtp_server, subject_start)
    counts = Counter(ids)
    lost = expected - len(counts)
    duplicates = sum(number - 1 for number in counts.values())
    print(f"{name}: lost {lost}, duplicates {duplicates} (kills {kills})")
    assert lost == 0, f"{lost} emails lost"
    assert duplicates <= kills, f"{duplicates} duplicates for {kills} kills"
    return duplicates


@pytest.fixture
def workers(app, database_url, tmp_path, smtp_server):
    require(redis_available(), "Redis")
    started = []

    def start(redis_url=None, **settings):
        from tests.services import REDIS_URL

        worker = WorkerProcess(
            database_url,
            redis_url or REDIS_URL,
            tmp_path,
            beat=True,
            **{**FAST, "MAIL_PORT": smtp_server.port, **settings},
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
    for worker in started:
        print(worker.log()[-3000:])


def test_drill_worker_killed_twice_while_sending(workers, smtp_server):
    smtp_server.inbox.delay = 0.002
    issue_to_many()
    worker = workers()
    assert wait_until(lambda: len(smtp_server.inbox.messages) >= COUNT // 4, timeout=240)
    worker.kill()
    worker = workers()
    assert wait_until(lambda: len(smtp_server.inbox.messages) >= COUNT // 2, timeout=240)
    worker.kill()
    workers()

    assert wait_until(lambda: sent_count() == COUNT, timeout=600), unsent()
    verdict("worker killed twice", smtp_server, expected=COUNT, kills=2)


def test_drill_mail_server_stopped_for_a_minute(workers, smtp_server):
    issue_to_many()
    workers()
    assert wait_until(lambda: len(smtp_server.inbox.messages) >= COUNT // 4, timeout=240)
    smtp_server.stop()
    # while it is down the worker keeps trying, and backs off, without losing anything
    import time

    time.sleep(60)
    assert sent_count() < COUNT
    smtp_server.start()

    assert wait_until(lambda: sent_count() == COUNT, timeout=600), unsent()
    verdict("mail server down for a minute", smtp_server, expected=COUNT)


def test_drill_redis_restarted_while_sending(app, workers, smtp_server):
    redis = RedisServer().start()
    try:
        app.extensions["celery"].conf.broker_url = redis.url
        issue_to_many()
        workers(redis_url=redis.url)
        assert wait_until(lambda: len(smtp_server.inbox.messages) >= COUNT // 4, timeout=240)
        redis.stop()
        import time

        time.sleep(5)
        redis.start()

        assert wait_until(lambda: sent_count() == COUNT, timeout=600), unsent()
        verdict("Redis restarted", smtp_server, expected=COUNT, kills=1)
    finally:
        redis.stop()


def test_drill_two_beats_through_a_reminder_slot(workers, smtp_server):
    consultation = issue_to_many()
    workers()
    assert wait_until(lambda: sent_count() == COUNT, timeout=600), unsent()
    verdict("invitations before the reminders", smtp_server, expected=COUNT)

    # every request's first reminder falls due now, and two beats (each with a worker)
    # sweep for it at once
    db.session.execute(
        update(ReminderSlot).where(ReminderSlot.offset_days == -7).values(due_at=utcnow())
    )
    db.session.commit()
    workers(REMINDER_SWEEP_SECONDS=1)
    workers(REMINDER_SWEEP_SECONDS=1)

    def reminders_arrived():
        return len(arrived(smtp_server, "Reminder: ")) >= COUNT

    assert wait_until(reminders_arrived, timeout=600), len(arrived(smtp_server, "Reminder: "))
    assert wait_until(lambda: sent_count() == 2 * COUNT, timeout=120), sent_count()
    twice = verdict("two beats", smtp_server, expected=COUNT, subject_start="Reminder: ")
    assert twice == 0
    recipients = Counter(
        message["To"]
        for _to, message in smtp_server.inbox.messages
        if message["Subject"].startswith("Reminder: ")
    )
    assert max(recipients.values()) == 1, "a partner was reminded twice"
    assert consultation.id
