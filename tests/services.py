"""The real servers the tests use, and what to do when one is missing.

On a laptop without PostgreSQL or Redis the tests that need them are skipped and say so;
under CI=true a missing server fails the run instead.
"""

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")


def xdist_worker_number():
    """0 for pytest-xdist's gw0, 1 for gw1...; None when the tests run in one process."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name.removeprefix("gw")) if name.startswith("gw") else None


def _redis_url_of_this_worker(url):
    """TEST_REDIS_URL with its database counted down by the xdist worker's number (gw1 on
    /14 when the URL says /15), so that parallel workers never share a queue's bindings."""
    number = xdist_worker_number()
    if not number:
        return url
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{(database - number) % 16}").geturl()


REDIS_URL = _redis_url_of_this_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def _listening(url, default_port):
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available():
    return _listening(POSTGRES_URL, 5432)


def redis_available():
    return _listening(REDIS_URL, 6379)


def chromium_available():
    return os.path.exists(CHROMIUM)


def tesseract_available():
    """Tesseract reads scanned letters before they are published (Debian's tesseract-ocr)."""
    return shutil.which("tesseract") is not None


def require(available, what):
    """Skip (or, in CI, fail) when a server the test needs is not there."""
    if available:
        return
    message = f"{what} is not available"
    if in_ci():
        pytest.fail(f"{message}, and CI=true: CI must have every service", pytrace=False)
    pytest.skip(message)
