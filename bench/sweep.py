"""The reminder sweep with 10,000, 100,000 and 1,000,000 requests, 1% of them due: the
time of one sweep. The baseline is the sweep at 10,000."""

import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import data
from bench.common import add_partners, bench_app, fresh_database, note, report

SIZES = (10_000, 100_000, 1_000_000)


def one(size, tmp):
    from consult.extensions import db
    from consult.reminders import services as reminders
    from tests import factories

    with fresh_database() as url:
        app = bench_app(url, tmp)
        with app.app_context():
            officer = factories.create_user("officer")
            per = min(size, data.PARTNERS_PER_CONSULTATION)
            add_partners(per)
            for number in range(size // per):
                consultation = data.open_consultation(officer, f"SWEEP-{number}")
                data.issue_to_everyone(consultation, limit=per)
                data.reminder_slots(consultation)
                db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            due = db.session.scalar(
                sa.text("SELECT count(*) FROM reminder_slots WHERE due_at <= now()")
            )
            started = time.perf_counter()
            sent, _skipped = reminders.sweep_due_slots()
            db.session.commit()
            elapsed = time.perf_counter() - started
    note(f"{size:,} requests, {due:,} due: one sweep stored {sent:,} reminders in {elapsed:.2f} s")
    return elapsed


def run():
    sizes = [
        int(size) for size in os.environ.get("BENCH_SWEEP_SIZES", "").split(",") if size
    ] or SIZES
    with tempfile.TemporaryDirectory() as tmp:
        times = {size: one(size, Path(tmp)) for size in sizes}
    for size in sizes:
        report(
            f"Reminder sweep at {size:,} requests (1% due)",
            times[size],
            times[sizes[0]],
            "s",
            higher_is_better=False,
            target="at most 2 s at 1,000,000" if size == 1_000_000 else None,
        )
