"""The officer's chasing pages: who is still to reply, remind now, close."""

import pytest
from sqlalchemy import select

from consult.correspondence.models import Message
from consult.directory import services as directory
from consult.exports import safe_cell
from consult.extensions import db
from consult.issuing import services as issuing
from tests import factories


@pytest.fixture
def issued(app):
    officer = factories.create_user("officer")
    partners = [
        factories.create_organisation(name)
        for name in ("Wingfield Academy", '=HYPERLINK("http://evil.example")')
    ]
    directory.add_contact(partners[0], name="@Sam Patel", role="-Deputy", email=None)
    consultation = factories.create_ready_consultation(officer, partners)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    return consultation


def test_the_outstanding_list_shows_who_is_still_to_reply(client, sign_in, issued):
    sign_in("scrutiny")

    page = client.get(f"/consultations/{issued.id}/outstanding").get_data(as_text=True)

    assert "2 organisations still to reply" in page and "Wingfield Academy" in page
    assert "Remind everyone still to reply" not in page  # scrutiny changes nothing


def test_the_outstanding_csv_is_an_attachment_with_formulas_neutralised(client, sign_in, issued):
    sign_in("officer")

    response = client.get(f"/consultations/{issued.id}/outstanding.csv")
    text = response.get_data(as_text=True)

    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert text.startswith("\ufeffOrganisation,Sector,Status,Contact,Role,Email,Phone")
    assert "'=HYPERLINK" in text and "'-Deputy" in text and "'@Sam Patel" in text
    from consult.audit.models import AuditEvent

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exported"))
    assert event.details == {"what": "outstanding", "format": "csv"}


def test_scrutiny_downloads_the_same_list_it_reads(client, sign_in, issued):
    import csv
    import io

    sign_in("scrutiny")
    page = client.get(f"/consultations/{issued.id}/outstanding").get_data(as_text=True)
    response = client.get(f"/consultations/{issued.id}/outstanding.csv")

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["Organisation"] for row in rows} == {
        "Wingfield Academy",
        '\'=HYPERLINK("http://evil.example")',
    }
    for row in rows:
        assert row["Contact"].lstrip("'") in page
        assert row["Sector"] in page
        if row["Email"]:
            assert row["Email"] in page
    assert "Download the list (CSV)" in page


@pytest.mark.parametrize("value", ["=1+1", "+44 1709", "-5", "@SUM(A1)", "\tx"])
def test_cells_that_look_like_formulas_are_neutralised(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Wingfield Academy") == "Wingfield Academy"


def test_remind_now_says_how_many_then_sends_once(client, sign_in, issued):
    sign_in("officer")

    confirm = client.get(f"/consultations/{issued.id}/remind-now").get_data(as_text=True)
    client.post(f"/consultations/{issued.id}/remind-now")

    assert "Send a reminder to 2 people at 2 organisations?" in confirm
    assert len(db.session.scalars(select(Message).where(Message.kind == "reminder")).all()) == 2


def test_closing_stops_everything(client, sign_in, issued):
    sign_in("officer")

    client.post(f"/consultations/{issued.id}/close")

    db.session.refresh(issued)
    assert issued.state == "closed"
    again = client.post(f"/consultations/{issued.id}/remind-now")
    assert again.status_code == 302
    assert db.session.scalars(select(Message).where(Message.kind == "reminder")).all() == []
