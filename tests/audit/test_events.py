"""Every state change the scrutiny chair may ask about is an audit event, in the chain."""

from datetime import timedelta

from sqlalchemy import select

from consult.audit.chain import verify
from consult.audit.models import AuditEvent
from consult.correspondence.models import Message
from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.record.services import record_reply
from consult.requests.models import RecipientLink, Request
from consult.requests.tokens import create_token
from consult.respond import services as respond
from tests import factories
from worker.tasks.correspondence import deliver_messages

REQUIRED = {
    "issued",
    "sent",
    "opened",
    "responded",
    "amended",
    "declined",
    "withdrawn",
    "link resent",
    "deadline changed",
    "reply keyed in",
    "exported",
    "signed in",
}


def test_every_state_change_is_an_audit_event(app, client, sign_in):
    officer = factories.create_user("officer")
    schools = [factories.create_organisation(f"School {n}") for n in range(4)]
    consultation = factories.create_ready_consultation(officer, schools)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    deliver_messages(db.session.scalars(select(Message.id)).all())
    db.session.expire_all()
    requests = db.session.scalars(
        select(Request).where(Request.consultation_id == consultation.id).order_by(Request.id)
    ).all()
    links = {link.request_id: link for link in db.session.scalars(select(RecipientLink))}

    _row, token = create_token(links[requests[0].id])
    db.session.commit()
    assert client.post(f"/r/{token}").status_code == 303  # opened
    for stance in ("supports", "no_view"):  # responded, then amended
        respond.record_response(
            requests[0], stance=stance, received_at=utcnow(), link=links[requests[0].id]
        )
    respond.decline(requests[1], link=links[requests[1].id], reason="Not our area")
    issuing.withdraw(requests[2], by=officer)
    issuing.resend_link(links[requests[3].id], by=officer, tokens_seen=1)
    issuing.change_deadline(consultation, consultation.deadline_at + timedelta(days=7), by=officer)
    record_reply(requests[3], by=officer, received_at=utcnow(), channel="post", stance="supports")
    db.session.commit()
    sign_in("scrutiny")  # signed in
    assert client.get(f"/consultations/{consultation.id}/responses.csv").status_code == 200

    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert actions >= REQUIRED, REQUIRED - actions
    assert verify(db.session).intact
