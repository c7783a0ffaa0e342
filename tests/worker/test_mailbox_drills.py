"""Fault drills for the reply mailbox: while a real worker (with beat) reads several
hundred emails from Dovecot, kill it, then kill the IMAP server mid-poll. Each drill
prints and asserts: lost 0, stored twice 0, left unfiled 0.

Run on PostgreSQL (the production database). DRILL_EMAILS sets the number (400).
"""

import os
import time

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.inbox.models import Arrival
from tests.inbox.emails import outlook_reply
from tests.processes import WorkerProcess, wait_until
from tests.services import REDIS_URL, redis_available, require

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.serial,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

COUNT = int(os.environ.get("DRILL_EMAILS", 400))


@pytest.fixture
def reader(app, database_url, tmp_path, mailbox):
    """Start a worker with beat that reads ``mailbox`` every second, in batches of 20
    (or as given)."""
    require(redis_available(), "Redis")
    started = []

    def start(batch=20):
        worker = WorkerProcess(
            database_url,
            REDIS_URL,
            tmp_path,
            beat=True,
            IMAP_HOST=mailbox.host,
            IMAP_PORT=mailbox.port,
            IMAP_SSL="false",
            IMAP_USERNAME=mailbox.user,
            IMAP_PASSWORD=mailbox.password,
            IMAP_POLL_SECONDS=1,
            IMAP_BATCH_SIZE=batch,
            MAIL_TIMEOUT_SECONDS=5,
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
    for worker in started:
        print(worker.log()[-3000:])


def fill(mailbox, count=COUNT):
    """``count`` replies, each with a Message-ID of its own, in one IMAP session."""
    with mailbox.client() as client:
        for number in range(count):
            raw = outlook_reply(
                sender=f"Governor {number} <governor{number}@governors.example>",
                message_id=f"<drill.{number}@governors.example>",
            )
            client.append("INBOX", raw)


def stored():
    db.session.rollback()  # see what the worker committed
    return db.session.scalar(select(func.count(Arrival.id)))


def verdict(name, count=COUNT):
    db.session.rollback()
    rows = db.session.execute(select(Arrival.message_id, Arrival.kind)).all()
    ids = [message_id for message_id, _ in rows]
    lost = count - len(set(ids))
    twice = len(ids) - len(set(ids))
    unfiled = sum(1 for _, kind in rows if kind == "waiting")
    print(f"{name}: lost {lost}, stored twice {twice}, unfiled {unfiled}")
    assert (lost, twice, unfiled) == (0, 0, 0)


def test_drill_worker_killed_mid_import(reader, mailbox):
    fill(mailbox)
    worker = reader()
    assert wait_until(lambda: stored() >= COUNT // 4, timeout=120)
    worker.kill()
    reader()
    assert wait_until(lambda: stored() == COUNT, timeout=240), stored()
    assert wait_until(
        lambda: (
            not db.session.scalar(select(func.count(Arrival.id)).where(Arrival.kind == "waiting"))
        ),
        timeout=120,
    )
    verdict("worker killed mid-import")


def test_drill_imap_server_killed_mid_poll(reader, mailbox):
    count = 2 * COUNT
    fill(mailbox, count)
    reader(batch=5)
    assert wait_until(lambda: stored() >= 20, timeout=120)
    mailbox.kill()  # mid-poll: its session ends between two batches, or inside one
    time.sleep(5)  # the worker's polls fail meanwhile, and say why
    assert stored() < count
    mailbox.start()
    assert wait_until(lambda: stored() == count, timeout=240), stored()
    assert wait_until(
        lambda: (
            not db.session.scalar(select(func.count(Arrival.id)).where(Arrival.kind == "waiting"))
        ),
        timeout=120,
    )
    verdict("IMAP server killed mid-poll", count)
