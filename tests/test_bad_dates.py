"""A GOV.UK date whose day, month and year are missing from what was posted (a hand-made
request, a broken browser), or a deadline thousands of years away, is a form error with
the three boxes shown again, not a 500."""

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from consult.respond.models import Response
from tests import factories

WITHOUT_THE_DATE = [{}, {"deadline_time": "17:00"}, {"deadline": ["7", "4"]}]


@pytest.fixture
def draft(sign_in):
    officer = sign_in("officer")
    consultation = factories.create_ready_consultation(officer, [factories.create_organisation()])
    db.session.commit()
    return officer, consultation


@pytest.mark.parametrize("data", WITHOUT_THE_DATE)
def test_a_drafts_deadline_without_its_date_is_a_form_error(client, draft, data):
    _officer, consultation = draft
    deadline = consultation.deadline_at

    response = client.post(f"/consultations/{consultation.id}/deadline-and-reminders", data=data)

    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)
    db.session.expire_all()
    assert consultation.deadline_at == deadline


@pytest.mark.parametrize("data", WITHOUT_THE_DATE)
def test_changing_the_deadline_without_its_date_is_a_form_error(client, draft, data):
    officer, consultation = draft
    issuing.issue(consultation, by=officer)
    db.session.commit()
    deadline = consultation.deadline_at

    response = client.post(f"/consultations/{consultation.id}/deadline", data=data)

    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)
    db.session.expire_all()
    assert consultation.deadline_at == deadline


@pytest.mark.parametrize("data", [{}, {"received_on": ["1"]}])
def test_a_reply_keyed_in_without_the_date_it_came_is_a_form_error(client, draft, data):
    officer, consultation = draft
    issuing.issue(consultation, by=officer)
    db.session.commit()
    request = db.session.scalar(select(Request))
    answer = {"stance": "supports", "channel": "post", "publication": "publish", **data}

    response = client.post(f"/requests/{request.id}/record-reply", data=answer)

    assert response.status_code == 400
    assert "Enter the date the reply was received" in response.get_data(as_text=True) or (
        "Enter a real date" in response.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_a_deadline_in_the_year_9999_is_refused_in_the_draft_and_after_issue(client, draft):
    officer, consultation = draft
    far = {"deadline": ["22", "12", "9999"], "deadline_time": "08:00"}
    deadline = consultation.deadline_at

    drafting = client.post(f"/consultations/{consultation.id}/deadline-and-reminders", data=far)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    changing = client.post(f"/consultations/{consultation.id}/deadline", data=far)

    for response in (drafting, changing):
        assert response.status_code == 400
        assert "within five years of today" in response.get_data(as_text=True)
    db.session.expire_all()
    assert consultation.deadline_at == deadline
