from celery import shared_task

from consult import queue
from consult.consideration import services
from consult.consideration.models import SuggestionRun
from consult.extensions import db


@shared_task(name=queue.SUGGEST_THEMES)
def suggest_themes(run_id):
    """Suggest themes for a consultation, committing as it goes so the page shows
    progress."""
    if not services.claim_suggestions(run_id):
        db.session.rollback()
        return None
    db.session.commit()
    run = db.session.get(SuggestionRun, run_id)
    try:
        services.build_suggestions(run, on_progress=db.session.commit)
    except Exception as error:
        db.session.rollback()
        services.mark_suggestions_failed(run_id, error)
        db.session.commit()
        raise
    db.session.commit()
    return len(run.suggestions)
