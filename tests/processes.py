"""Real processes for the end-to-end tests and fault drills: a Celery worker (with beat),
and a private Redis server that a drill may stop and start."""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from consult import ROOT
from tests.smtp import free_port


class WorkerProcess:
    """``celery -A worker.main worker`` on a queue of its own, against the test's database."""

    def __init__(self, database_url, redis_url, instance_dir, beat=False, **settings):
        self.queue = f"test-{secrets.token_hex(4)}"
        self.beat = beat
        self.env = {
            **os.environ,
            "CONSULT_CONFIG": "test",
            "DATABASE_URL": database_url,
            "CONSULT_INSTANCE_DIR": str(instance_dir),
            "CELERY_QUEUE": self.queue,
            **{key: str(value) for key, value in settings.items()},
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:  # without it, the embedded SQLite broker in instance_dir
            self.env["REDIS_URL"] = redis_url
        self.process = None
        self.log_path = instance_dir / f"worker-{self.queue}.log"

    def start(self):
        arguments = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.main",
            "worker",
            "--pool=solo",
            f"--queues={self.queue}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if self.beat:
            arguments.append("--beat")
        log = open(self.log_path, "a")  # noqa: SIM115 (kept open for the process's life)
        self.process = subprocess.Popen(
            arguments,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_until_ready(self, timeout=60):
        """Wait for the worker to say it is ready: its queue is bound then, and a task
        sent to it is kept (Redis drops what is sent to a queue nobody has bound)."""
        assert wait_until(lambda: "ready." in self.log(), timeout), self.log()[-3000:]
        return self

    def kill(self):
        """SIGKILL: no chance to finish, acknowledge or tidy up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""


class RedisServer:
    """A Redis of the test's own on a free port, so a drill can stop it."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_until(condition, timeout, interval=0.25):
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def page_answers(url):
    """Whether a web server answers ``url`` (any status); for waiting on one to start."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            pass
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


class PostgresServer:
    """A PostgreSQL server of the test's own (initdb in a temporary folder), so a drill
    can restart it without disturbing the shared one. Runs as the ``postgres`` user."""

    def __init__(self):
        import tempfile
        from pathlib import Path

        # Not under pytest's temporary folder: the postgres user must be able to reach it.
        self.base_dir = Path(tempfile.mkdtemp(prefix="consult-pg-"))
        self.base_dir.chmod(0o755)
        self.data_dir = self.base_dir / "data"
        self.port = free_port()

    @staticmethod
    def binaries():
        import glob

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        return os.path.dirname(found[-1]) if found else None

    @classmethod
    def available(cls):
        return bool(cls.binaries()) and shutil.which("runuser") and os.geteuid() == 0

    @property
    def url(self):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *arguments):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self):
        bin_dir = self.binaries()
        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True)
            shutil.chown(self.data_dir, "postgres", "postgres")
            self._as_postgres(
                f"{bin_dir}/initdb",
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            )
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action, *extra):
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            f"{self.binaries()}/pg_ctl",
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-w",
            "-l",
            str(self.data_dir / "server.log"),
            action,
            *extra,
        )

    def restart(self):
        self._pg_ctl("restart", "-m", "fast")

    def stop(self):
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.base_dir, ignore_errors=True)
