"""Closing a consultation: by the officer, or by itself a set time after the deadline."""

from datetime import timedelta

import pytest

from consult.consultations import services as consultations
from consult.dates import london_datetime
from consult.extensions import db
from consult.issuing import services as issuing
from tests import factories

DEADLINE = london_datetime(2017, 4, 7, 17, 0)


@pytest.fixture
def consultation(app):
    officer = factories.create_user("officer")
    consultation = factories.create_ready_consultation(
        officer, [factories.create_organisation("Wingfield Academy")], deadline=DEADLINE
    )
    issuing.issue(consultation, by=officer, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    return consultation


def test_a_consultation_closes_itself_when_the_officer_asked(consultation):
    consultation.auto_close_days = 14
    db.session.commit()

    assert consultations.close_when_due(now=DEADLINE + timedelta(days=13)) == 0
    assert consultations.close_when_due(now=DEADLINE + timedelta(days=14)) == 1
    db.session.commit()

    assert consultation.state == "closed"
