"""What the reply mailbox's tests share: an issued consultation whose invitations were
sent."""

import pytest
from sqlalchemy import select

from consult.correspondence.models import Message
from consult.dates import london_datetime
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from tests import factories
from worker.tasks.correspondence import deliver_messages


@pytest.fixture
def issued(app):
    """Invitations sent on 23 March 2017 to a school, the police, and a school whose
    head has left (its address bounces)."""
    officer = factories.create_user("officer")
    organisations = [
        factories.create_organisation("Wales High School", contact_email="head@wales.example"),
        factories.create_organisation(
            "Cumbria Constabulary", contact_email="sam.patel@police.example"
        ),
        factories.create_organisation("Old School", contact_email="head@oldschool.example"),
    ]
    consultation = factories.create_ready_consultation(
        officer, organisations, deadline=london_datetime(2017, 4, 7, 17)
    )
    issuing.issue(consultation, by=officer, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    deliver_messages(list(db.session.scalars(select(Message.id))))
    by_name = {
        request.organisation.name: request
        for request in db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id)
        )
    }
    return officer, consultation, by_name
