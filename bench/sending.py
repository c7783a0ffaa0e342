"""Sending: invitations issued and delivered by the worker to a local SMTP server, against
plain smtplib sending as many pre-built messages over one reused connection.

The baseline's client runs in a process of its own, as the worker's do, so that it does
not share the interpreter with the mail server; it is timed three times and the fastest
kept, so that a slow moment on a shared machine flatters neither side.
"""

import os
import secrets
import smtplib
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from bench.common import (
    add_partners,
    bench_app,
    fresh_database,
    note,
    report,
    smtp_server,
    wait_for,
    worker,
)


def baseline(port, count):
    messages = []
    for n in range(count):
        message = EmailMessage()
        message["From"] = "consult@council.example"
        message["To"] = f"head{n}@partner.example"
        message["Subject"] = "Children's services: your organisation's view is requested"
        message["Message-ID"] = f"<bench.{n}@council.example>"
        message.set_content("Dear Head,\n\nThe council would value your view.\n" * 20)
        messages.append(message)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for message in messages:
            connection.send_message(message)
    return count / (time.perf_counter() - started)


def fastest_baseline(port, count, runs=3):
    """Messages per second of the fastest of ``runs`` baseline runs, each in a process."""
    code = f"from bench.sending import baseline; print(baseline({port}, {count}))"
    rates = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        rates.append(float(out.stdout.strip()))
    return max(rates)


def ours(port, handler, count, instance_dir):
    from consult.directory.models import Contact
    from consult.extensions import db
    from consult.issuing import services as issuing
    from consult.queue import PREPARE_INVITATIONS, SWEEP_OUTBOX, enqueue
    from tests import factories

    settings = {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SEND_RATE_PER_MINUTE": 10_000_000,
        "MAIL_BATCH_SIZE": 100,
        "OUTBOX_SWEEP_SECONDS": 1,
    }
    queue = f"bench-{secrets.token_hex(3)}"
    os.environ["CELERY_QUEUE"] = queue
    with fresh_database() as url:
        app = bench_app(url, instance_dir, **settings)
        with app.app_context():
            officer = factories.create_user("officer")
            add_partners(count)
            consultation = factories.create_ready_consultation(officer, [])
            issuing.add_recipients(consultation, db.session.scalars(db.select(Contact)).all())
            db.session.commit()
            with worker(url, instance_dir, queue=queue, **settings):
                time.sleep(3)  # let the worker connect before the clock starts
                handler.count = 0
                started = time.perf_counter()
                # As the officer's "Issue" does: the first invitations in its transaction,
                # the rest stored by the worker while the first are sent.
                issuing.issue(
                    consultation, by=officer, invitations_now=issuing.INVITATIONS_PER_CHUNK
                )
                db.session.commit()
                issued = time.perf_counter() - started
                enqueue(PREPARE_INVITATIONS, consultation.id)
                enqueue(SWEEP_OUTBOX)
                if not wait_for(lambda: handler.count >= count, timeout=3600, interval=0.2):
                    raise RuntimeError(f"only {handler.count} of {count} arrived")
                elapsed = time.perf_counter() - started
        note(f"the officer's issue took {issued:.1f} s of the {elapsed:.1f} s")
        return count / elapsed


def run():
    count = int(os.environ.get("BENCH_INVITATIONS", 10_000))
    with tempfile.TemporaryDirectory() as tmp, smtp_server() as (port, handler):
        plain = fastest_baseline(port, count)
        handler.count = 0
        figure = ours(port, handler, count, Path(tmp))
    return report(
        f"Sending {count:,} invitations (issued, then delivered by a 4-process worker)",
        figure,
        plain,
        "emails/s",
        target="at least 0.5x",
    )
