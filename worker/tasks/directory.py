from celery import shared_task

from consult import queue
from consult.directory import services
from consult.directory.models import PartnerImport
from consult.extensions import db


@shared_task(name=queue.IMPORT_PARTNERS)
def import_partners(import_id):
    """Save a confirmed partners file, committing after each chunk so the officer's page
    shows how far it has gone."""
    if not services.claim_import(import_id):
        db.session.rollback()
        return None
    db.session.commit()
    partner_import = db.session.get(PartnerImport, import_id)
    for _done in services.import_partners(partner_import):
        db.session.commit()
    db.session.commit()
    return partner_import.summary


@shared_task(name=queue.SWEEP_IMPORTS)
def sweep_imports():
    """Hand out again imports whose task was lost: queued while the broker was down, or
    left half done by a worker that stopped. Their rows match on the second run."""
    waiting = services.release_stalled_imports()
    db.session.commit()
    for import_id in waiting:
        queue.enqueue(queue.IMPORT_PARTNERS, import_id)
    return len(waiting)
