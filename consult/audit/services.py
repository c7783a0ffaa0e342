"""Recording audit events."""

from consult.audit.chain import remember
from consult.audit.models import AuditEvent
from consult.db import utcnow
from consult.extensions import db


def record(action, *, user=None, link=None, consultation=None, request=None, **details):
    """Add an audit event to the session; the caller's commit seals it into the chain and
    makes it permanent."""
    consultation_id = consultation.id if consultation is not None else None
    if consultation_id is None and request is not None:
        consultation_id = request.consultation_id
    event = AuditEvent(
        occurred_at=utcnow(),
        action=action,
        user_id=user.id if user is not None else None,
        recipient_link_id=link.id if link is not None else None,
        consultation_id=consultation_id,
        request_id=request.id if request is not None else None,
        details=details,
    )
    db.session.add(event)
    remember(db.session(), event)
    return event
