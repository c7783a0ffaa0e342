"""Thin tasks: they take ids, call consult services and commit."""

from worker.tasks import correspondence, health, reminders  # noqa: F401
