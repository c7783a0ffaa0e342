"""Thin tasks: they take ids, call consult services and commit."""

from worker.tasks import (  # noqa: F401
    consideration,
    consultations,
    correspondence,
    directory,
    health,
    inbox,
    issuing,
    publish,
    reminders,
    retention,
)
