"""An issued consultation's page is its home: replies so far, still to reply, bounced or
failed, late, the next reminder, each linking to the list that follows it; and closing
lands there, on the next useful step."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.correspondence.models import Message
from consult.dates import format_datetime
from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.reminders.services import slot_due_at
from consult.requests.models import Request
from consult.respond import services as respond
from tests import factories


def text_of(page):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def page_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def issue_to(count, *, reference="CYPS-2017", named="School"):
    """An open consultation to ``count`` organisations: the first replied late, the second
    replied on time, the third's invitation bounced; the rest still to reply."""
    officer = factories.create_user("officer")
    organisations = [factories.create_organisation(f"{named} {n:03d}") for n in range(count)]
    consultation = factories.create_ready_consultation(officer, organisations, reference=reference)
    issuing.issue(consultation, by=officer)
    db.session.flush()
    requests = db.session.scalars(
        select(Request).where(Request.consultation_id == consultation.id).order_by(Request.id)
    ).all()
    respond.record_response(
        requests[0],
        stance="supports",
        received_at=consultation.deadline_at + timedelta(days=1),
        channel="post",
        entered_by=officer,
    )
    respond.record_response(
        requests[1], stance="supports", received_at=utcnow(), channel="post", entered_by=officer
    )
    bounced = db.session.scalar(select(Message).where(Message.request_id == requests[2].id))
    bounced.status, bounced.failed_at, bounced.bounced_at = "failed", utcnow(), utcnow()
    requests[2].status = "failed"
    db.session.commit()
    return consultation


@pytest.fixture
def consultation(app):
    return issue_to(5)


def test_an_open_consultations_page_counts_how_it_is_going(client, sign_in, consultation):
    sign_in("officer")

    text = text_of(page_of(client.get(f"/consultations/{consultation.id}")))

    assert "How it is going" in text
    assert "Replies so far 2 of 5 organisations See the replies" in text
    # the bounced one is still to reply: its organisation has not answered
    assert "Still to reply 3 See who is still to reply" in text
    assert "Bounced or failed 1 email not delivered, 1 of them bounced" in text
    assert "Late 1 reply after the deadline" in text
    next_at = format_datetime(slot_due_at(consultation, -7))
    assert f"Next reminder {next_at}, to 3 organisations still to reply" in text
    assert "Chase those still to reply" in text and "Close the consultation" in text


def test_each_count_links_to_the_list_that_follows_it(client, sign_in, consultation):
    sign_in("officer")
    id = consultation.id

    page = page_of(client.get(f"/consultations/{id}"))

    links = dict(
        (text_of(name).strip(), href)
        for href, name in re.findall(
            r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', page, flags=re.S
        )
    )
    assert links["See the replies"] == f"/consultations/{id}/responses?status=responded"
    assert links["See who is still to reply"] == f"/consultations/{id}/outstanding"
    assert links["See them on the send-out page"] == f"/consultations/{id}/send-out"
    assert links["See them the late replies"] == f"/consultations/{id}/responses?status=late"
    assert links["See them the emails that arrived"] == f"/consultations/{id}/arrived-by-email"
    assert links["See who it goes to"] == f"/consultations/{id}/outstanding"
    assert links["Change the deadline"] == f"/consultations/{id}/deadline"
    for href in set(links.values()):
        if href.startswith(f"/consultations/{id}/"):
            assert client.get(href).status_code == 200, href


def test_the_late_list_the_page_links_to_holds_the_late_reply(client, sign_in, consultation):
    sign_in("scrutiny")

    text = text_of(page_of(client.get(f"/consultations/{consultation.id}/responses?status=late")))

    assert "School 000" in text and "School 001" not in text


def test_the_page_runs_the_same_queries_for_5_or_40_organisations(
    client, sign_in, consultation, count_queries
):
    bigger = issue_to(40, reference="COUNTY-WIDE", named="Academy").id
    small = consultation.id
    sign_in("officer")

    with count_queries() as few:
        page_of(client.get(f"/consultations/{small}"))
    with count_queries() as many:
        text = text_of(page_of(client.get(f"/consultations/{bigger}")))

    assert "Replies so far 2 of 40 organisations" in text
    assert few.count == many.count
    assert many.count == 10, many.statements


def test_scrutiny_sees_the_counts_but_no_next_steps_or_change_links(client, sign_in, consultation):
    sign_in("scrutiny")

    text = text_of(page_of(client.get(f"/consultations/{consultation.id}")))

    assert "Replies so far 2 of 5 organisations" in text
    assert "Close the consultation" not in text and "Change the deadline" not in text


def test_closing_lands_on_the_consultation_page_with_the_next_step(client, sign_in, consultation):
    sign_in("officer")

    response = client.post(f"/consultations/{consultation.id}/close")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/consultations/{consultation.id}"
    text = text_of(page_of(client.get(response.headers["Location"])))
    assert "The consultation is closed. No more reminders will be sent." in text
    assert "Next: consider the replies, then build the annex." in text
    assert "Next Consider the replies : mark their points" in text
    assert "Build the annex : Letters from Partners" in text
    assert "Next reminder" not in text
    page = page_of(client.get(f"/consultations/{consultation.id}"))
    assert f'href="/consultations/{consultation.id}/points"' in page
    assert f'href="/consultations/{consultation.id}/annex"' in page


def test_closing_a_closed_consultation_goes_back_to_its_page(client, sign_in, consultation):
    sign_in("officer")
    client.post(f"/consultations/{consultation.id}/close")

    again = client.get(f"/consultations/{consultation.id}/close")

    assert again.headers["Location"] == f"/consultations/{consultation.id}"
    assert "Only an open consultation can be closed." in text_of(
        page_of(client.get(again.headers["Location"]))
    )
