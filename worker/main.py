"""What `celery -A worker.main` loads: the Flask app, its Celery app, the tasks and the
beat schedule."""

import worker.tasks  # noqa: F401  (registers the tasks with the default Celery app)
from consult import create_app
from worker.schedule import beat_schedule

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = beat_schedule(flask_app.config)
