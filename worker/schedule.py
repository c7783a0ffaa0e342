"""The one beat schedule. Beat only says "look now"; what is due lives in the database."""


def beat_schedule(config):
    return {
        "sweep-outbox": {
            "task": "consult.correspondence.sweep_outbox",
            "schedule": float(config["OUTBOX_SWEEP_SECONDS"]),
        },
        "sweep-reminders": {
            "task": "consult.reminders.sweep",
            "schedule": float(config["REMINDER_SWEEP_SECONDS"]),
        },
        # Hourly: the digest goes once a day, after 8am, and catches up after downtime.
        "daily-digest-and-closing": {
            "task": "consult.reminders.daily",
            "schedule": 3600.0,
        },
        "sweep-preparing-invitations": {
            "task": "consult.issuing.sweep_preparing",
            "schedule": 60.0,
        },
        "sweep-imports": {
            "task": "consult.directory.sweep_imports",
            "schedule": 60.0,
        },
        "sweep-annex-builds": {
            "task": "consult.publish.sweep_builds",
            "schedule": 60.0,
        },
        # Hourly: erasure is due once a day per consultation; running often catches up.
        "erase-expired-personal-data": {
            "task": "consult.retention.erase_expired",
            "schedule": 3600.0,
        },
        "check-worker-health": {
            "task": "consult.health.record_heartbeat",
            "schedule": 60.0,
        },
    }
