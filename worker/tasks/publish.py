from celery import shared_task

from consult import queue
from consult.extensions import db
from consult.publish import services
from consult.publish.models import AnnexBuild


@shared_task(name=queue.BUILD_ANNEX)
def build_annex(build_id):
    """Build the annex, committing after each reply so the page shows progress."""
    if not services.claim_build(build_id):
        db.session.rollback()
        return None
    db.session.commit()
    build = db.session.get(AnnexBuild, build_id)
    try:
        services.build_annex(build, on_progress=db.session.commit)
    except Exception as error:
        db.session.rollback()
        services.mark_failed(build_id, error)
        db.session.commit()
        raise
    db.session.commit()
    return build.stored_file_id


@shared_task(name=queue.SWEEP_BUILDS)
def sweep_builds():
    """Hand out again builds whose task was lost or whose worker stopped."""
    waiting = services.release_stalled_builds()
    db.session.commit()
    for build_id in waiting:
        queue.enqueue(queue.BUILD_ANNEX, build_id)
    return len(waiting)
