"""What `celery -A worker.main` loads: the Flask app and its Celery app."""

from consult import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

import worker.tasks  # noqa: E402, F401  (registers the tasks with celery_app)
