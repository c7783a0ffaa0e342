"""The partner's link page and a submit under 20 concurrent clients (locust), against a
one-query Flask page served by the same gunicorn settings: requests per second and p95.

Also measured, to show where the gap is: a GOV.UK Frontend page of our app that runs one
query (bench/partner_app.py), the least any page of ours can cost."""

import csv
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import REDIS_URL, bench_app, fresh_database, note, report
from tests.processes import page_answers, wait_until
from tests.smtp import free_port

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 20))
SECONDS = int(os.environ.get("BENCH_SECONDS", 30))
GUNICORN = ["--workers", str(2 * (os.cpu_count() or 1) + 1), "--worker-class", "sync"]


def serve(target, env, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}", target],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_until(lambda: page_answers(f"http://127.0.0.1:{port}/sign-in"), timeout=20)
    return process


def load(user_class, host, env, out):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            user_class,
            "--headless",
            "-u",
            str(CLIENTS),
            "-r",
            str(CLIENTS),
            "-t",
            f"{SECONDS}s",
            "--host",
            host,
            "--csv",
            str(out),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = {row["Name"]: row for row in csv.DictReader(open(f"{out}_stats.csv"))}  # noqa: SIM115
    return rows


def _baseline(env, out):
    """Requests per second of the one-query page under the same gunicorn settings."""
    port = free_port()
    base = serve("bench.baseline_app:app", env, port)
    try:
        rows = load("Baseline", f"http://127.0.0.1:{port}", env, out)
    finally:
        base.terminate()
        base.wait(timeout=30)
    return float(rows["baseline page"]["Requests/s"])


def _forget_queue(name):
    """The tasks the pages asked for (to send acknowledgements), which nothing reads."""
    import redis

    redis.Redis.from_url(REDIS_URL).delete(name)


def run():
    from consult.extensions import db
    from consult.issuing import services as issuing
    from consult.requests.models import RecipientLink
    from consult.requests.tokens import create_token
    from tests import factories

    with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
        tmp = Path(tmp)
        app = bench_app(url, tmp)
        with app.app_context():
            officer = factories.create_user("officer")
            schools = [factories.create_organisation() for _ in range(CLIENTS)]
            consultation = factories.create_ready_consultation(officer, schools)
            issuing.issue(consultation, by=officer)
            db.session.commit()
            tokens = [
                create_token(link)[1] for link in db.session.scalars(db.select(RecipientLink))
            ]
            db.session.commit()
        # Production settings: rate limits counted in Redis, tasks sent to Redis (to a
        # queue of the benchmark's own, which no worker reads), no query recording.
        env = {
            **os.environ,
            "CONSULT_CONFIG": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "APP_BASE_URL": "https://consult.council.example",
            "MAIL_DEFAULT_SENDER": "consult@council.example",
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "CELERY_QUEUE": f"bench-partner-{secrets.token_hex(3)}",
            "CONSULT_INSTANCE_DIR": str(tmp),
            "TOKEN_LOOKUP_LIMIT": "1000000 per minute",
            "BENCH_TOKENS": ",".join(tokens),
        }
        # The baseline before and after ours, the faster kept: a slow moment of a shared
        # machine then flatters neither side.
        base_runs = [_baseline(env, tmp / "baseline-before")]
        ours_port = free_port()
        ours = serve("bench.partner_app:app", env, ours_port)
        try:
            partner = load("Partner", f"http://127.0.0.1:{ours_port}", env, tmp / "partner")
            paced = load("PacedPartner", f"http://127.0.0.1:{ours_port}", env, tmp / "paced")
            govuk = load("GovukPage", f"http://127.0.0.1:{ours_port}", env, tmp / "govuk")
        finally:
            ours.terminate()
            ours.wait(timeout=30)
        _forget_queue(env["CELERY_QUEUE"])
        base_runs.append(_baseline(env, tmp / "baseline-after"))
    base_rps = max(base_runs)
    note("baseline runs: " + ", ".join(f"{rps:.0f}/s" for rps in base_runs))
    for name in ("link page", "submit"):
        row = partner[name]
        note(
            f"{name}: {int(row['Request Count'])} requests, {int(row['Failure Count'])} failed, "
            f"p95 {row['95%']} ms, median {row['50%']} ms"
        )
    total = partner["Aggregated"]
    note(f"all partner requests: {float(total['Requests/s']):.0f}/s, p95 {total['95%']} ms")
    steady = paced["Aggregated"]
    note(
        f"at a person's pace ({CLIENTS} partners, a step about a second each: "
        f"{float(steady['Requests/s']):.0f} requests/s): p95 {steady['95%']} ms, "
        f"median {steady['50%']} ms"
    )
    report(
        f"Partner link page and submit, {CLIENTS} clients",
        float(total["Requests/s"]),
        base_rps,
        "requests/s",
        target="at least 0.5x, p95 at most 50 ms",
    )
    floor = govuk["GOV.UK page"]
    floor_rps = float(floor["Requests/s"])
    report(
        f"A GOV.UK page of our app with one query, {CLIENTS} clients",
        floor_rps,
        base_rps,
        "requests/s",
    )
    note(
        f"that page: p95 {floor['95%']} ms, median {floor['50%']} ms; the partner pages "
        f"reach {float(total['Requests/s']) / floor_rps:.2f}x of its requests/s"
    )
    return partner
