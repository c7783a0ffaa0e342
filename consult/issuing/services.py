"""Picking recipients and issuing requests."""

from sqlalchemy import select, update

from consult.audit import services as audit
from consult.extensions import db
from consult.issuing.models import RecipientLink, Request


class IssuingError(ValueError):
    """Recipients or requests cannot be changed as asked; the message says why."""


def add_recipient(consultation, organisation, contacts):
    """Send ``consultation`` to ``organisation``, addressed to ``contacts``.

    One request per organisation: adding the same organisation again adds any new
    contacts to its existing request.
    """
    if consultation.state != "draft":
        raise IssuingError("Recipients can only be picked while the consultation is a draft")
    if organisation.is_archived:
        raise IssuingError(f"{organisation.name} is archived")
    request = db.session.scalar(
        select(Request).where(
            Request.consultation_id == consultation.id,
            Request.organisation_id == organisation.id,
        )
    )
    if request is None:
        request = Request(consultation=consultation, organisation=organisation, status="draft")
        db.session.add(request)
        db.session.flush()
    linked = {link.contact_id for link in request.links}
    for contact in contacts:
        if contact.organisation_id != organisation.id:
            raise IssuingError(f"{contact.name} does not work for {organisation.name}")
        if contact.id not in linked:
            db.session.add(RecipientLink(request=request, contact=contact))
    db.session.flush()
    return request


def record_issued_elsewhere(consultation, *, issued_at, by):
    """Open a consultation whose letters were sent before Consult was used.

    No links are made and nothing is emailed: replies are recorded by officers as they
    arrive. Used for consultations already under way when a council starts using Consult.
    """
    if consultation.state != "draft":
        raise IssuingError("Only a draft consultation can be opened")
    consultation.state = "open"
    consultation.issued_at = issued_at
    db.session.execute(
        update(Request)
        .where(Request.consultation_id == consultation.id, Request.status == "draft")
        .values(status="issued", issued_at=issued_at)
    )
    audit.record(
        "issued outside consult",
        user=by,
        consultation=consultation,
        issued_at=issued_at.isoformat(),
    )
    db.session.flush()
    db.session.expire_all()
    return consultation
