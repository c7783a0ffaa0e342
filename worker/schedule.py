"""The one beat schedule. Beat only says "look now"; what is due lives in the database."""

from consult import queue


def beat_schedule(config):
    schedule = {
        "sweep-outbox": {
            "task": queue.SWEEP_OUTBOX,
            "schedule": float(config["OUTBOX_SWEEP_SECONDS"]),
        },
        "sweep-reminders": {
            "task": queue.SWEEP_REMINDERS,
            "schedule": float(config["REMINDER_SWEEP_SECONDS"]),
        },
        # Hourly: a consultation closes a set number of days after its deadline.
        "close-due-consultations": {
            "task": queue.CLOSE_DUE_CONSULTATIONS,
            "schedule": 3600.0,
        },
        # Hourly: the digest goes once a day, after 8am, and catches up after downtime.
        "daily-digests": {
            "task": queue.SEND_DIGESTS,
            "schedule": 3600.0,
        },
        "sweep-preparing-invitations": {
            "task": queue.SWEEP_PREPARING,
            "schedule": 60.0,
        },
        "sweep-imports": {
            "task": queue.SWEEP_IMPORTS,
            "schedule": 60.0,
        },
        "sweep-annex-builds": {
            "task": queue.SWEEP_BUILDS,
            "schedule": 60.0,
        },
        # Hourly: erasure is due once a day per consultation; running often catches up.
        "erase-expired-personal-data": {
            "task": queue.ERASE_EXPIRED,
            "schedule": 3600.0,
        },
        "check-worker-health": {
            "task": queue.RECORD_HEARTBEAT,
            "schedule": 60.0,
        },
    }
    if config.get("IMAP_HOST"):
        schedule["read-reply-mailbox"] = {
            "task": queue.READ_MAILBOX,
            "schedule": float(config["IMAP_POLL_SECONDS"]),
        }
    return schedule
