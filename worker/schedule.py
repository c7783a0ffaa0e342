"""The one beat schedule. Beat only says "look now"; what is due lives in the database."""

BEAT_SCHEDULE = {
    "check-worker-health": {
        "task": "consult.health.record_heartbeat",
        "schedule": 60.0,
    },
}
