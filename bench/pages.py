"""The dashboard and the response log at 100, 10,000 and 100,000 responses: time and SQL
statements per page. The baseline is the same page at 100 responses."""

import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import data
from bench.common import add_partners, bench_app, fresh_database, note, report

SIZES = (100, 10_000, 100_000)


def measure(app, client, url, runs=5):
    from consult.extensions import db

    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    timings = []
    for _ in range(runs):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings) * 1000, len(statements)


def run():
    sizes = [
        int(size) for size in os.environ.get("BENCH_PAGE_SIZES", "").split(",") if size
    ] or SIZES
    results = {}
    with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
        app = bench_app(url, Path(tmp))
        from consult.extensions import db
        from tests import factories

        with app.app_context():
            officer = factories.create_user("officer")
            scrutiny = factories.create_user("scrutiny", email="chair@council.example")
            add_partners(max(sizes))
            consultations = {}
            for size in sizes:
                consultation = data.open_consultation(officer, f"BENCH-{size}")
                data.issue_to_everyone(consultation, limit=size)
                data.respond_to_all(consultation)
                consultations[size] = consultation.id
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            email = scrutiny.email
        client = app.test_client()
        client.post("/sign-in", data={"email": email, "password": factories.PASSWORD})
        for size in sizes:
            for page, path in (("dashboard", "dashboard"), ("response log", "responses")):
                results[(page, size)] = measure(
                    app, client, f"/consultations/{consultations[size]}/{path}"
                )
    for page in ("dashboard", "response log"):
        base_ms, base_queries = results[(page, sizes[0])]
        for size in sizes:
            ms, queries = results[(page, size)]
            report(
                f"The {page} at {size:,} responses",
                ms,
                base_ms,
                "ms",
                higher_is_better=False,
                target="at most 200 ms at 100,000" if size == 100_000 else None,
            )
            note(f"{queries} SQL statements (at {sizes[0]:,}: {base_queries})")
