"""Thin tasks: they take ids, call consult services and commit."""

from worker.tasks import (  # noqa: F401
    correspondence,
    directory,
    health,
    issuing,
    publish,
    reminders,
    retention,
)
