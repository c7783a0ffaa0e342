"""Thin tasks: they take ids, call consult services and commit."""

from worker.tasks import correspondence, directory, health, publish, reminders  # noqa: F401
