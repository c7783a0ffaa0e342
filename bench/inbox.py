"""The reply mailbox at scale: 1,000 emails in a real Dovecot (replies in the thread, from
a contact outside it, from a colleague at the same organisation, bounces, out-of-office
replies and strangers), read over IMAP, stored and filed. The target is at least 50 a
second, matched and stored; the ratio printed is the rate over 50."""

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
                emails = list(_emails(app.config, invitations, count))
                with dovecot.client() as client:
                    for raw in emails:
                        client.append("INBOX", raw)
                _measure(app.config, count)
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


def _emails(config, invitations, count):
    """The mailbox's mix: per ten emails, four replies in the thread, one from the contact
    outside it, one from a colleague, two bounces, one out-of-office, one stranger."""
    from consult.correspondence.wire import message_id_header
    from tests.inbox.emails import fixture, outlook_reply

    sender = config["MAIL_DEFAULT_SENDER"]
    for number in range(count):
        message_id, purpose, address = invitations[number % len(invitations)]
        ours = message_id_header(message_id, purpose, sender)
        own = f"<bench.{number}@mail.example>"
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
            yield raw.replace(b"<c1a2b3d4-ndr-0001@", f"<ndr.{number}.".encode() + b"@", 1)
        elif kind == 8:
            raw = fixture("exchange_out_of_office.eml", ours=ours)
            yield raw.replace(b"<LO4P265MB0042OOF@", f"<oof.{number}.".encode() + b"@", 1)
        else:
            yield outlook_reply(
                sender=f"Someone <someone{number}@elsewhere.example>", message_id=own
            )


def _measure(config, count):
    from consult.extensions import db
    from consult.inbox import filing, imap
    from consult.inbox.models import Arrival

    started = time.perf_counter()
    stored = imap.read_mailbox(config)
    read = time.perf_counter() - started
    filed = filing.file_waiting()
    took = time.perf_counter() - started
    assert stored == filed == count, (stored, filed, count)
    outcome = Counter(
        (kind, how or "not matched")
        for kind, how in db.session.execute(sa.select(Arrival.kind, Arrival.matched_by))
    )
    report(
        f"Reply mailbox: {count:,} emails read, stored and filed",
        count / took,
        TARGET_PER_SECOND,
        "emails/s",
        target=">= 1.0x",
    )
    note(f"read and stored in {read:.1f} s, then filed in {took - read:.1f} s")
    note(", ".join(f"{kind} by {how}: {number}" for (kind, how), number in sorted(outcome.items())))
