"""The real servers the tests use, and what to do when one is missing.

On a laptop without PostgreSQL or Redis the tests that need them are skipped and say so;
under CI=true a missing server fails the run instead.
"""

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")


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


def require(available, what):
    """Skip (or, in CI, fail) when a server the test needs is not there."""
    if available:
        return
    message = f"{what} is not available"
    if in_ci():
        pytest.fail(f"{message}, and CI=true: CI must have every service", pytrace=False)
    pytest.skip(message)
