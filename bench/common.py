"""What every benchmark needs: a fresh PostgreSQL database, the app on it, a counting SMTP
server, bulk test data, and one way to print a result."""

import contextlib
import os
import platform
import secrets
import subprocess
import time

import sqlalchemy as sa
from aiosmtpd.controller import Controller

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def machine():
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):  # noqa: SIM115
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def report(name, figure, baseline, unit, *, higher_is_better=True, target=None):
    """One line: the figure, the baseline and the ratio (ours over the baseline when more
    is better, else the baseline over ours), and the target when there is one."""
    ratio = (figure / baseline) if higher_is_better else (baseline / figure)
    line = f"{name}: {figure:,.1f} {unit}; baseline {baseline:,.1f} {unit}; ratio {ratio:.2f}x"
    if target is not None:
        line += f" (target {target})"
    print(line, flush=True)
    return ratio


def note(text):
    print(f"  {text}", flush=True)


@contextlib.contextmanager
def fresh_database():
    """A PostgreSQL database of its own, dropped afterwards."""
    name = f"consult_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(database_url, instance_dir, **settings):
    """The app on ``database_url``, its tables made."""
    from config import TestConfig, celery_settings
    from consult import create_app
    from consult.extensions import db

    attributes = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(instance_dir / "uploads"),
        "MAILBOX_DIR": str(instance_dir / "mailbox"),
        "CELERY": celery_settings(REDIS_URL, instance_dir),
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        **settings,
    }
    app = create_app(type("BenchConfig", (TestConfig,), attributes))
    with app.app_context():
        db.create_all()
    return app


class CountingHandler:
    """Accepts every message and counts it; no parsing, so the server is not the limit
    for either side of a comparison."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


@contextlib.contextmanager
def smtp_server():
    from tests.smtp import free_port

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def wait_for(condition, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def postgres_version():
    with contextlib.suppress(Exception):
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            return connection.execute(sa.text("SHOW server_version")).scalar()
    return "unknown"


def redis_version():
    with contextlib.suppress(Exception):
        out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
        return out.stdout.split()[2]
    return "unknown"


@contextlib.contextmanager
def worker(database_url, instance_dir, *, queue, concurrency=4, beat=True, **settings):
    """A Celery worker (and beat) process on Redis, as `make run` starts one."""
    import signal
    import sys

    from consult import ROOT

    env = {
        **os.environ,
        "CONSULT_CONFIG": "test",
        "DATABASE_URL": database_url,
        "CONSULT_INSTANCE_DIR": str(instance_dir),
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": queue,
        **{key: str(value) for key, value in settings.items()},
    }
    arguments = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "worker.main",
        "worker",
        f"--concurrency={concurrency}",
        f"--queues={queue}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if beat:
        arguments.append("--beat")
    log = open(instance_dir / f"worker-{queue}.log", "a")  # noqa: SIM115
    process = subprocess.Popen(
        arguments,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def add_partners(count, *, sector_slug="school", with_email=True):
    """``count`` organisations with one contact each, inserted in bulk. Their ids."""
    from consult.directory import services as directory
    from consult.directory.models import Contact, Organisation
    from consult.extensions import db

    sector = directory.ensure_sector(sector_slug, sector_slug.title())
    tag = secrets.token_hex(3)
    ids = db.session.scalars(
        sa.insert(Organisation).returning(Organisation.id),
        [
            {"name": f"Partner {tag} {n}", "sector_id": sector.id, "address": "", "notes": ""}
            for n in range(count)
        ],
    ).all()
    db.session.execute(
        sa.insert(Contact),
        [
            {
                "organisation_id": organisation_id,
                "name": f"Contact {n}",
                "role": "Head",
                "email": f"head{n}@partner{tag}.example" if with_email else None,
                "phone": "",
            }
            for n, organisation_id in enumerate(ids)
        ],
    )
    return ids
