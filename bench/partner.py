"""The partner pages under 20 concurrent clients (locust) against the floor: a GOV.UK
Frontend page of our app that runs one query (bench/partner_app.py), the least any page of
ours can cost, served by the same gunicorn in the same run. Requests per second and p95,
with clients that never pause and at a person's pace; then each page's CPU time in one
process beside the floor's (bench/partner_pages.py), a steadier figure on a shared machine.

Also measured, for the record: a plain Flask page that runs one query, the same gunicorn
settings (bench/baseline_app.py)."""

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
# The app is loaded once, before the workers fork (gunicorn's --preload): five workers
# each importing it at once took longer to start on two busy CPUs than the wait for them.
GUNICORN = [
    "--workers",
    str(2 * (os.cpu_count() or 1) + 1),
    "--worker-class",
    "sync",
    "--preload",
]
PAGES = ("link page", "respond", "answer form", "save", "check", "send")


def serve(target, env, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}", target],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if not wait_until(lambda: page_answers(f"http://127.0.0.1:{port}/sign-in"), timeout=60):
        process.terminate()
        raise SystemExit(f"gunicorn serving {target} did not answer within a minute")
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
    with open(f"{out}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    if not int(rows["Aggregated"]["Request Count"]):
        raise SystemExit(f"locust's {user_class} clients had no answer from {host}")
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


def _floor(port, env, out):
    rows = load("GovukPage", f"http://127.0.0.1:{port}", env, out)
    return rows["GOV.UK page"]


def _cpu_per_page(env, profile=None):
    """Each page's milliseconds of CPU in one process, and the floor's; or, given a page's
    name in ``profile``, cProfile's view of it, printed."""
    arguments = ["--profile", profile] if profile else []
    out = subprocess.run(
        [sys.executable, "-m", "bench.partner_pages", *arguments],
        env=env,
        check=True,
        capture_output=not profile,
        text=True,
    ).stdout
    if profile:
        return None
    return {page: float(ms) for page, ms in (line.split("\t") for line in out.splitlines())}


def _the_2017_consultation(officer, organisations):
    """The demo's case as partners saw it: the chief executive's letter, eight options
    scored on eight criteria (Annex 1), and three papers; issued to ``organisations``."""
    from datetime import timedelta

    from consult.consultations import services as consultations
    from consult.db import utcnow
    from consult.demo import data
    from consult.issuing import services as issuing
    from tests import factories

    fields = data.CONSULTATION
    consultation = consultations.create_consultation(
        reference=fields["reference"],
        title=fields["title"],
        created_by=officer,
        summary=fields["summary"],
        question=fields["question"],
        letter=fields["letter"],
        signatory=fields["signatory"],
        deadline_at=utcnow() + timedelta(days=21),
    )
    options = {
        entry["number"]: consultations.add_option(
            consultation,
            name=entry["name"],
            description=entry["description"],
            is_preferred=entry["is_preferred"],
        )
        for entry in data.OPTIONS
    }
    criteria = [consultations.add_criterion(consultation, name) for name in data.CRITERIA]
    for number, scores in data.SCORES.items():
        for criterion, value in zip(criteria, scores, strict=True):
            consultations.set_score(options[number], criterion, value)
    for title in ("Scrutiny review report", "Annex 1: options appraisal", "Annex 2: timeline"):
        stored = factories.create_stored_pdf(f"{title}.pdf")
        consultations.add_document(consultation, stored, title=title, by=officer)
    for organisation in organisations:
        issuing.add_recipient(consultation, organisation, organisation.contacts)
    issuing.issue(consultation, by=officer)
    return consultation


def _forget_queue(name):
    """The tasks the pages asked for (to send acknowledgements), which nothing reads."""
    import redis

    redis.Redis.from_url(REDIS_URL).delete(name)


def run():
    from consult.extensions import db
    from consult.requests.models import RecipientLink
    from consult.requests.tokens import create_token
    from tests import factories

    with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
        tmp = Path(tmp)
        app = bench_app(url, tmp)
        with app.app_context():
            officer = factories.create_user("officer")
            schools = [factories.create_organisation() for _ in range(CLIENTS)]
            _the_2017_consultation(officer, schools)
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
        if os.environ.get("BENCH_PROFILE"):
            _cpu_per_page(env, profile=os.environ["BENCH_PROFILE"])
            _forget_queue(env["CELERY_QUEUE"])
            return None
        # The floor before and after the partner pages, the faster kept (and the plain
        # Flask baseline once): a slow moment of a shared machine then flatters neither.
        base_rps = _baseline(env, tmp / "baseline")
        port = free_port()
        ours = serve("bench.partner_app:app", env, port)
        try:
            floors = [_floor(port, env, tmp / "floor-before")]
            partner = load("Partner", f"http://127.0.0.1:{port}", env, tmp / "partner")
            paced = load("PacedPartner", f"http://127.0.0.1:{port}", env, tmp / "paced")
            floors.append(_floor(port, env, tmp / "floor-after"))
        finally:
            ours.terminate()
            ours.wait(timeout=30)
        cpu = _cpu_per_page(env)
        _forget_queue(env["CELERY_QUEUE"])
    floor = max(floors, key=lambda row: float(row["Requests/s"]))
    floor_rps = float(floor["Requests/s"])
    note("floor runs: " + ", ".join(f"{float(row['Requests/s']):.0f}/s" for row in floors))
    for name in PAGES:
        row = partner.get(name)
        if row is None:
            note(f"{name}: no request finished in the run")
            continue
        note(
            f"{name}: {int(row['Request Count'])} requests, {int(row['Failure Count'])} failed, "
            f"p95 {row['95%']} ms, median {row['50%']} ms"
        )
    total = partner["Aggregated"]
    report(
        f"Partner pages (link page, respond, answer form, save, check, send), {CLIENTS} "
        "clients that never pause",
        float(total["Requests/s"]),
        floor_rps,
        "requests/s",
        target="at least 0.5x the floor",
    )
    note(
        f"p95 {total['95%']} ms, median {total['50%']} ms at full load; the floor: "
        f"p95 {floor['95%']} ms, median {floor['50%']} ms"
    )
    steady = paced["Aggregated"]
    print(
        f"The same {CLIENTS} partners at a person's pace, a step about a second each "
        f"({float(steady['Requests/s']):.0f} requests/s): p95 {steady['95%']} ms, "
        f"median {steady['50%']} ms (target p95 at most 50 ms)",
        flush=True,
    )
    report(
        f"The floor, a GOV.UK page of our app with one query, {CLIENTS} clients",
        floor_rps,
        base_rps,
        "requests/s",
    )
    note("against a plain Flask page with one query, the same gunicorn settings")
    floor_ms = cpu["floor"]
    print(f"CPU in one process, one request after another (the floor: {floor_ms:.2f} ms)")
    for name in PAGES:
        note(
            f"{name}: {cpu[name]:.2f} ms, {cpu[name] / floor_ms:.2f}x the floor (target at most 2x)"
        )
    return partner
