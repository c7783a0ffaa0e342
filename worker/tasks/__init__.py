"""Thin tasks: they take ids, call consult services and commit."""

from worker.tasks import health  # noqa: F401
