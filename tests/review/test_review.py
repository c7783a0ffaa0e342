"""The scrutiny view: the dashboard's tally, the response log, and a request's story."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.demo import data
from consult.demo.loader import load_demo
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from consult.respond.models import STANCES
from consult.respond.services import record_response
from consult.review import queries
from consult.review.versions import changes, word_changes
from tests import factories


def demo_consultation():
    load_demo(echo=lambda *args: None)
    db.session.commit()
    return db.session.scalar(
        select(Consultation).where(Consultation.reference == data.CONSULTATION["reference"])
    )


def test_the_demo_dashboard_shows_all_eight_partners_supporting_by_sector(app, client, sign_in):
    consultation = demo_consultation()
    tally = queries.fetch_tally(consultation)

    assert tally.overall.replied == 8
    supporting = (
        tally.overall.stances["supports"] + tally.overall.stances["supports_with_reservations"]
    )
    assert supporting == 8
    expected = {stance: 0 for stance in STANCES} | {
        "supports": sum(reply["stance"] == "supports" for reply in data.REPLIES),
        "supports_with_reservations": sum(
            reply["stance"] == "supports_with_reservations" for reply in data.REPLIES
        ),
    }
    assert tally.overall.stances == expected
    assert tally.overall.stances["supports_with_reservations"] == 1  # the safeguarding board
    assert tally.overall.late == 2
    by_sector = {counts.name: counts for counts in tally.sectors}
    assert by_sector["School"].stances["supports"] == 2
    assert by_sector["Safeguarding board"].stances["supports_with_reservations"] == 1
    assert sum(counts.replied for counts in tally.sectors) == 8

    sign_in("scrutiny")
    page = client.get(f"/consultations/{consultation.id}/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Supports with reservations" in html
    assert '<svg class="app-chart"' in html and 'role="img"' in html
    assert "Safeguarding board" in html
    assert "Reminder" in html or "Deadline" in html


@pytest.fixture
def issued(app):
    officer = factories.create_user("officer")

    def make(number, reference="CYPS-2017"):
        police = factories.create_sector("police", "Police")
        organisations = [
            factories.create_organisation(sector=police if index % 3 == 0 else None)
            for index in range(number)
        ]
        consultation = factories.create_ready_consultation(
            officer, organisations, reference=reference
        )
        issuing.issue(consultation, by=officer)
        requests = db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id).order_by(Request.id)
        ).all()
        for index, request in enumerate(requests):
            if index % 2 == 0:
                late = index % 4 == 0
                received = consultation.deadline_at + timedelta(days=1 if late else -20)
                record_response(
                    request,
                    stance=STANCES[index % len(STANCES)]
                    if STANCES[index % len(STANCES)] != "prefers_another_option"
                    else "supports",
                    received_at=received,
                    comments=f"Reply number {index} about caseloads",
                )
        db.session.commit()
        return consultation

    return make


def test_the_tally_counts_organisations_by_status(issued):
    consultation = issued(8)
    unanswered = db.session.scalars(
        select(Request)
        .where(Request.consultation_id == consultation.id, Request.responded_at.is_(None))
        .order_by(Request.id)
    ).all()
    issuing.withdraw(unanswered[0], by=None)
    db.session.commit()

    tally = queries.fetch_tally(consultation)

    assert tally.overall.requests == 8
    assert tally.overall.replied == 4
    assert tally.overall.late == 2
    assert tally.overall.withdrawn == 1
    assert tally.overall.outstanding == 3
    assert tally.overall.asked == 7
    assert tally.overall.response_rate == 57


def test_the_dashboard_and_log_run_a_fixed_number_of_queries(
    issued, client, sign_in, count_queries
):
    sign_in("scrutiny")

    def counted(consultation, url):
        with count_queries() as counter:
            assert client.get(url.format(id=consultation.id)).status_code == 200
        return counter.count

    small, large = issued(3, "SMALL-1"), issued(30, "LARGE-1")
    for url in ("/consultations/{id}/dashboard", "/consultations/{id}/responses"):
        assert counted(small, url) == counted(large, url), url


def test_the_log_filters_searches_sorts_and_pages(issued, client, sign_in):
    consultation = issued(60)
    sign_in("scrutiny")
    url = f"/consultations/{consultation.id}/responses"

    everything = client.get(url).get_data(as_text=True)
    assert "60 requests" in everything and "Page 1 of 2" in everything

    replied = client.get(url, query_string={"status": "responded"}).get_data(as_text=True)
    assert "30 requests" in replied
    late = client.get(url, query_string={"status": "late"}).get_data(as_text=True)
    assert "15 requests" in late
    assert "Late</strong>" in late
    searched = client.get(url, query_string={"q": "number 12 "}).get_data(as_text=True)
    assert "1 request<" in searched
    police_sector = factories.create_sector("police", "Police")
    by_sector = client.get(url, query_string={"sector": police_sector.id}).get_data(as_text=True)
    assert "20 requests" in by_sector
    supports = client.get(url, query_string={"stance": "supports"}).get_data(as_text=True)
    assert "requests" in supports
    newest = client.get(url, query_string={"sort": "received", "order": "desc"})
    assert newest.status_code == 200
    second = client.get(url, query_string={"page": 2}).get_data(as_text=True)
    assert "Page 2 of 2" in second


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-3"},
        {"sort": "password"},
        {"stance": "furious"},
        {"status": "'; drop table requests; --"},
        {"sector": "x"},
        {"q": "%_%" * 200},
        {"order": "sideways"},
    ],
)
def test_bad_log_queries_are_ignored_not_errors(issued, client, sign_in, query):
    consultation = issued(3)
    sign_in("scrutiny")
    response = client.get(f"/consultations/{consultation.id}/responses", query_string=query)
    assert response.status_code == 200


def test_a_drafts_dashboard_is_not_found(app, client, sign_in):
    officer = factories.create_user("officer")
    draft = factories.create_ready_consultation(officer, [factories.create_organisation()])
    db.session.commit()
    sign_in("scrutiny")
    assert client.get(f"/consultations/{draft.id}/dashboard").status_code == 404
    assert client.get(f"/consultations/{draft.id}/responses").status_code == 404


def test_a_requests_page_tells_its_whole_story(issued, client, sign_in):
    consultation = issued(1)
    request = db.session.scalar(select(Request).where(Request.consultation_id == consultation.id))
    officer = factories.create_user("officer", email="keyer@council.example", name="Kim Keyer")
    record_response(
        request,
        stance="does_not_support",
        received_at=utcnow(),
        comments="Reply number 0 about workloads and caseloads",
        responder_name="Pat Lee",
        channel="post",
        entered_by=officer,
    )
    db.session.commit()

    sign_in("scrutiny")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "The response" in page and "Does not support" in page
    assert "Keyed in by Kim Keyer" in page
    assert "Version 2, received" in page
    assert "<ins>workloads and </ins>" in page or "<ins> workloads and</ins>" in page
    assert "Supports" in page and "Does not support" in page
    assert "What happened" in page and "Amended" in page and "Responded" in page
    assert "Sent through the partner" not in page


def test_word_changes_show_what_was_taken_out_and_added():
    runs = word_changes("We support it.", "We strongly support it, with reservations.")
    assert ("added", " strongly") in runs
    assert ("removed", "it.") in runs
    text_after = "".join(text for kind, text in runs if kind != "removed")
    text_before = "".join(text for kind, text in runs if kind != "added")
    assert text_after == "We strongly support it, with reservations."
    assert text_before == "We support it."


def test_changes_list_the_fields_that_changed(issued):
    consultation = issued(1)
    request = db.session.scalar(select(Request).where(Request.consultation_id == consultation.id))
    record_response(
        request, stance="no_view", received_at=utcnow(), comments="Reply number 0 about caseloads"
    )
    db.session.commit()
    versions = queries.fetch_versions(request.id)
    [change] = changes(versions)
    assert change.fields == [("Stance", "Supports", "No view")]
    assert change.words == []
