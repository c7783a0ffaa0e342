"""The officer's daily digest."""

import pytest
from sqlalchemy import select

from consult.correspondence.models import Message
from consult.dates import london_datetime
from consult.extensions import db
from consult.issuing import services as issuing
from consult.reminders import digest
from consult.requests.models import Request
from consult.respond import services as respond
from tests import factories

DEADLINE = london_datetime(2017, 4, 7, 17, 0)


@pytest.fixture
def officer(app):
    return factories.create_user("officer", email="priya@council.example")


@pytest.fixture
def consultation(officer):
    school = factories.create_sector("school", "School")
    police = factories.create_sector("police", "Police")
    partners = [
        factories.create_organisation("Wingfield Academy", sector=school),
        factories.create_organisation("Wales High School", sector=school),
        factories.create_organisation("South Yorkshire Police", sector=police),
    ]
    consultation = factories.create_ready_consultation(officer, partners, deadline=DEADLINE)
    issuing.issue(consultation, by=officer, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    return consultation


def digests():
    return db.session.scalars(select(Message).where(Message.kind == "digest")).all()


def test_nothing_new_means_no_digest(consultation):
    assert digest.send_digests(now=london_datetime(2017, 3, 24, 9)) == 0


def test_a_digest_lists_new_replies_and_outstanding_by_sector_once_a_day(consultation, officer):
    police = db.session.scalar(
        select(Request)
        .join(Request.organisation)
        .where(Request.organisation.has(name="South Yorkshire Police"))
    )
    respond.record_response(
        police,
        stance="supports",
        channel="email",
        received_at=london_datetime(2017, 3, 28, 13, 15),
        entered_by=officer,
    )
    db.session.commit()

    early = digest.send_digests(now=london_datetime(2017, 3, 29, 7, 0))
    sent = digest.send_digests(now=london_datetime(2017, 3, 29, 8, 5))
    again = digest.send_digests(now=london_datetime(2017, 3, 29, 15, 0))
    db.session.commit()

    assert (early, sent, again) == (0, 1, 0)
    [message] = digests()
    assert message.to_address == "priya@council.example"
    assert "South Yorkshire Police, 28 March 2017, 1:15pm" in message.body_text
    assert "Still to reply: 2" in message.body_text and "- School: 2" in message.body_text
    # The next day, with nothing new since, there is no digest.
    assert digest.send_digests(now=london_datetime(2017, 3, 30, 9, 0)) == 0
