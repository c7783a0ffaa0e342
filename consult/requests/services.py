"""What the delivery of a partner's email means for their request.

Called by the delivery task after the mail layer has done its part: an invitation sent
makes its request "sent"; one that failed for good, with nothing else able to reach the
organisation, makes it "failed"; a reminder to a request answered, declined or withdrawn
(or whose consultation has closed) since it was stored, or to an address mail to the
request has bounced from, is not wanted.
"""

from sqlalchemy import func, select

from consult.audit import services as audit
from consult.consultations.models import Consultation
from consult.correspondence.models import INVITATION_KINDS, Message
from consult.extensions import db
from consult.requests.models import OUTSTANDING_STATES, Request


def reminders_not_wanted(messages):
    """{message id: why} for the reminders among ``messages`` that should not go now."""
    request_ids = {m.request_id for m in messages if m.kind == "reminder" and m.request_id}
    if not request_ids:
        return {}
    states = {
        request_id: (status, consultation_state)
        for request_id, status, consultation_state in db.session.execute(
            select(Request.id, Request.status, Consultation.state)
            .join(Consultation, Consultation.id == Request.consultation_id)
            .where(Request.id.in_(request_ids))
        )
    }
    bounced = bounced_addresses(request_ids)
    reasons = {}
    for message in messages:
        if message.kind != "reminder" or message.request_id not in states:
            continue
        status, consultation_state = states[message.request_id]
        if message.to_address.lower() in bounced.get(message.request_id, ()):
            reasons[message.id] = "Not sent: mail to this address bounced"
            continue
        if status in OUTSTANDING_STATES and consultation_state == "open":
            continue
        reasons[message.id] = (
            f"Not sent: the request is {status}"
            if status not in OUTSTANDING_STATES
            else "Not sent: the consultation is closed"
        )
    return reasons


def bounced_addresses(request_ids):
    """{request id: {address, ...}}: the addresses mail to those requests bounced from."""
    found = {}
    if not request_ids:
        return found
    for request_id, address in db.session.execute(
        select(Message.request_id, func.lower(Message.to_address))
        .where(Message.request_id.in_(request_ids), Message.bounced_at.is_not(None))
        .distinct()
    ):
        found.setdefault(request_id, set()).add(address)
    return found


def record_sent(rows):
    """For messages just recorded as sent (rows of id, request_id, kind, sent_at): an
    audit event each, and a request whose invitation went out is "sent"."""
    requests = {
        request.id: request
        for request in db.session.scalars(
            select(Request).where(Request.id.in_({row.request_id for row in rows}))
        )
    }
    for row in sorted(rows, key=lambda row: (row.sent_at, row.id)):
        if row.request_id is not None:
            audit.record(
                "sent",
                request=requests[row.request_id],
                message_id=row.id,
                kind=row.kind,
                sent_at=row.sent_at.isoformat(),
            )
    invited = {row.request_id for row in rows if row.kind in INVITATION_KINDS and row.request_id}
    for request_id in sorted(invited):
        request = requests[request_id]
        if request.status in ("issued", "failed"):
            request.status = "sent"


def record_failed(message):
    """An invitation that failed for good: its request is "failed" if no other
    invitation can still reach the organisation."""
    if message.kind not in INVITATION_KINDS or message.request_id is None:
        return
    request = db.session.get(Request, message.request_id)
    if request.status != "issued":
        return
    others = db.session.scalar(
        select(db.func.count(Message.id)).where(
            Message.request_id == request.id,
            Message.kind.in_(INVITATION_KINDS),
            Message.status != "failed",
            Message.id != message.id,
        )
    )
    if not others:
        request.status = "failed"
        audit.record("invitation failed", request=request, reason=message.last_error)
