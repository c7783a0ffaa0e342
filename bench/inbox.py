"""The reply mailbox at scale: 1,000 emails in a real Dovecot (replies in the thread, from
a contact outside it, from a colleague at the same organisation, bounces, out-of-office
replies and strangers), read over IMAP, stored and filed. The target is at least 50 a
second, matched and stored; the ratio printed is the rate over 50.

Measured twice: by a real worker with beat (two processes, as on this two-core machine,
reading and filing batches in parallel), from the moment the mail lands in the inbox to
the last email filed; and in one process, which is the steadier figure of what reading
and filing cost."""

import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from bench import data
from bench.common import add_partners, bench_app, fresh_database, note, report

TARGET_PER_SECOND = 50


def run():
    from tests.mail_servers import Dovecot

    count = int(os.environ.get("BENCH_INBOX_EMAILS", 1000))
    partners = count // 2
    dovecot = Dovecot().start()
    try:
        with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
            app = bench_app(
                url,
                Path(tmp),
                IMAP_HOST=dovecot.host,
                IMAP_PORT=dovecot.port,
                IMAP_SSL=False,
                IMAP_USERNAME=dovecot.user,
                IMAP_PASSWORD=dovecot.password,
            )
            with app.app_context():
                invitations = _issued(partners)
                _by_worker(app.config, url, Path(tmp), dovecot, invitations, count)
                with dovecot.client() as client:
                    client.create_folder("One process")
                    for raw in _emails(app.config, invitations, count, run="one"):
                        client.append("One process", raw)
                app.config.update(IMAP_FOLDER="One process")
                _in_one_process(app.config, count)
    finally:
        dovecot.close()


def _issued(count):
    """``count`` organisations, each with a contact at a domain of its own, invited."""
    from consult.extensions import db
    from tests import factories

    officer = factories.create_user("officer")
    add_partners(count)
    db.session.execute(sa.text("UPDATE contacts SET email = 'head@school' || id || '.example'"))
    consultation = data.open_consultation(officer, "INBOX-1")
    data.issue_to_everyone(consultation, limit=count)
    db.session.execute(
        sa.text(
            "INSERT INTO messages (purpose, kind, consultation_id, request_id,"
            " recipient_link_id, to_name, to_address, subject, body_text, body_html, status,"
            " attempts, next_attempt_at, last_error, created_at, sent_at)"
            " SELECT 'invitation:link:' || l.id, 'invitation', r.consultation_id, r.id, l.id,"
            " c.name, c.email, 'Your view', 'Dear partner', '', 'sent', 1, :now, '', :now, :now"
            " FROM recipient_links l JOIN requests r ON r.id = l.request_id"
            " JOIN contacts c ON c.id = l.contact_id"
        ),
        {"now": consultation.issued_at},
    )
    db.session.commit()
    return db.session.execute(sa.text("SELECT id, purpose, to_address FROM messages")).all()


def _emails(config, invitations, count, *, run):
    """The mailbox's mix: per ten emails, four replies in the thread, one from the contact
    outside it, one from a colleague, two bounces, one out-of-office, one stranger."""
    from consult.correspondence.wire import message_id_header
    from tests.inbox.emails import fixture, outlook_reply

    sender = config["MAIL_DEFAULT_SENDER"]
    for number in range(count):
        message_id, purpose, address = invitations[number % len(invitations)]
        ours = message_id_header(message_id, purpose, sender)
        own = f"<bench.{run}.{number}@mail.example>"
        domain = address.rpartition("@")[2]
        kind = number % 10
        if kind < 4:
            yield outlook_reply(sender=f"Head <{address}>", ours=ours, message_id=own)
        elif kind == 4:
            yield outlook_reply(sender=f"Head <{address}>", message_id=own)
        elif kind == 5:
            yield outlook_reply(sender=f"Bursar <bursar@{domain}>", message_id=own)
        elif kind in (6, 7):
            raw = fixture("exchange_ndr.eml", ours=ours)
            raw = raw.replace(b"head@oldschool.example", address.encode())
            yield raw.replace(b"<c1a2b3d4-ndr-0001@", f"<ndr.{run}.{number}".encode() + b"@", 1)
        elif kind == 8:
            raw = fixture("exchange_out_of_office.eml", ours=ours)
            yield raw.replace(b"<LO4P265MB0042OOF@", f"<oof.{run}.{number}".encode() + b"@", 1)
        else:
            yield outlook_reply(
                sender=f"Someone <someone{number}@elsewhere.example>", message_id=own
            )


def _by_worker(config, url, instance_dir, dovecot, invitations, count):
    """The emails put in a folder aside, then moved into the inbox in one command while
    the worker (started and polling every second) waits for them."""
    from bench.common import wait_for, worker
    from consult.extensions import db
    from consult.inbox.models import Arrival, MailboxPosition

    with dovecot.client() as client:
        client.create_folder("Arriving")
        for raw in _emails(config, invitations, count, run="worker"):
            client.append("Arriving", raw)
    settings = {
        "IMAP_HOST": dovecot.host,
        "IMAP_PORT": dovecot.port,
        "IMAP_SSL": "false",
        "IMAP_USERNAME": dovecot.user,
        "IMAP_PASSWORD": dovecot.password,
        "IMAP_POLL_SECONDS": 1,
        "IMAP_BATCH_SIZE": 50,
    }

    def count_where(*conditions):
        db.session.rollback()  # see what the worker committed
        return db.session.scalar(sa.select(sa.func.count()).select_from(Arrival).where(*conditions))

    with worker(url, instance_dir, queue="bench-inbox", concurrency=2, **settings):
        assert wait_for(
            lambda: (
                db.session.rollback()
                or db.session.scalar(sa.select(sa.func.count(MailboxPosition.id)))
            ),
            timeout=60,
        ), "the worker never read the mailbox"
        started = time.perf_counter()
        with dovecot.client("Arriving", readonly=False) as client:
            client.move(client.search("ALL"), "INBOX")
        assert wait_for(lambda: count_where(Arrival.kind != "waiting") == count, timeout=300)
        took = time.perf_counter() - started
    report(
        f"Reply mailbox: {count:,} emails read, stored and filed by the worker (2 processes)",
        count / took,
        TARGET_PER_SECOND,
        "emails/s",
        target=">= 1.0x",
    )
    _outcome()


def _in_one_process(config, count):
    from consult.inbox import filing, imap

    started = time.perf_counter()
    stored = imap.read_mailbox(config)
    read = time.perf_counter() - started
    filed = filing.file_waiting()
    took = time.perf_counter() - started
    assert stored == filed == count, (stored, filed, count)
    report(
        f"Reply mailbox: {count:,} emails read, stored and filed in one process",
        count / took,
        TARGET_PER_SECOND,
        "emails/s",
    )
    note(
        f"read and stored in {read:.1f} s ({count / read:,.0f} a second), then filed in"
        f" {took - read:.1f} s ({count / (took - read):,.0f} a second)"
    )


def _outcome():
    from consult.extensions import db
    from consult.inbox.models import Arrival

    outcome = Counter(
        (kind, how or "not matched")
        for kind, how in db.session.execute(sa.select(Arrival.kind, Arrival.matched_by))
    )
    note(", ".join(f"{kind} by {how}: {number}" for (kind, how), number in sorted(outcome.items())))
