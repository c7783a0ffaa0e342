"""Thin tasks: they take ids, call consult services and commit."""

from worker.tasks import correspondence, directory, health, reminders  # noqa: F401
