"""Points, themes, the council's response, the schedule of responses and the outcome sent
back to each partner: officers edit, scrutiny reads, every change is audited, and a
partner sees only their own points."""

import html
import io
from datetime import timedelta

import pytest
from docx import Document
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consideration import queries, services
from consult.consideration.models import Point, Theme
from consult.correspondence.models import Message
from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from consult.requests.tokens import create_token
from consult.respond.models import Response
from consult.respond.services import record_response
from tests import factories

WALES = (
    "We support Option 3.\n\n"
    "Our support is conditional on the partner having a proven record of improving "
    "children's services elsewhere.\n\n"
    "We are concerned about continuity for schools during the change. Ring 01709 822000."
)
ASTON = (
    "We support the preferred option, with reservations.\n\n"
    "A joint safeguarding plan must be agreed with the board before anything changes."
)


@pytest.fixture
def consultation(app):
    officer = factories.create_user("officer")
    schools = [
        factories.create_organisation(name)
        for name in ("Aston Hall School", "Wales High School", "Wingfield Academy")
    ]
    consultation = factories.create_ready_consultation(officer, schools)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    for name, text, publication in (
        ("Wales High School", WALES, "publish"),
        ("Aston Hall School", ASTON, "publish_without_name"),
        ("Wingfield Academy", "A private view: we oppose it.", "do_not_publish"),
    ):
        record_response(
            request_of(consultation, name),
            stance="supports",
            received_at=utcnow() - timedelta(days=2),
            comments=text,
            responder_name="Sam Kent" if name == "Aston Hall School" else "Pat Lee",
            publication=publication,
        )
    db.session.commit()
    return consultation


def request_of(consultation, name):
    return db.session.scalar(
        select(Request)
        .join(Request.organisation)
        .where(Request.consultation_id == consultation.id)
        .filter_by(name=name)
    )


def test_an_officer_marks_a_paragraph_or_a_typed_quote_under_themes(consultation, client, sign_in):
    sign_in("officer")
    wales = request_of(consultation, "Wales High School")
    page = client.get(f"/requests/{wales.id}/points").get_data(as_text=True)
    assert "proven record" in page and "Mark the point" in page

    marked = client.post(
        f"/requests/{wales.id}/points",
        data={"paragraph": "comments-1", "kind": "condition", "new_theme": "Proven partner"},
    )
    assert marked.status_code == 302
    point = db.session.scalar(select(Point))
    assert point.quote.startswith("Our support is conditional")
    assert point.response.version == 1 and [t.name for t in point.themes] == ["Proven partner"]

    theme = db.session.scalar(select(Theme))
    typed = client.post(
        f"/requests/{wales.id}/points",
        data={
            "quote": "concerned about  continuity\nfor schools",
            "kind": "concern",
            "themes": [str(theme.id)],
            "new_theme": "Schools continuity",
        },
    )
    assert typed.status_code == 302
    assert [len(p.themes) for p in db.session.scalars(select(Point).order_by(Point.id))] == [1, 2]

    # Words the partner did not write are refused, and nothing is saved.
    invented = client.post(
        f"/requests/{wales.id}/points", data={"quote": "We oppose it.", "kind": "concern"}
    )
    assert invented.status_code == 400
    assert "partner's own words" in html.unescape(invented.get_data(as_text=True))
    assert db.session.query(Point).count() == 2
    nothing = client.post(f"/requests/{wales.id}/points", data={"kind": "concern"})
    assert nothing.status_code == 400
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("point marked") == 2 and actions.count("theme added") == 2


def test_themes_merge_and_scrutiny_reads_but_cannot_edit(consultation, client, sign_in):
    officer = factories.create_user("officer", email="o2@council.example")
    wales, aston = (request_of(consultation, n) for n in ("Wales High School", "Aston Hall School"))
    first = services.theme_named(consultation, "Safeguarding", by=officer)
    second = services.theme_named(consultation, "Joint safeguarding plan", by=officer)
    for request, quote, theme in (
        (wales, "We support Option 3.", first),
        (aston, ASTON.split("\n\n")[1], second),
    ):
        response = db.session.scalar(select(Response).where(Response.request_id == request.id))
        services.mark_point(
            response,
            quote=quote,
            kind="condition",
            themes=[theme],
            by=officer,
            texts={"comments": response.comments},
        )
    db.session.commit()
    sign_in("scrutiny")
    assert client.get(f"/consultations/{consultation.id}/points").status_code == 200
    assert client.get(f"/themes/{first.id}").status_code == 200
    assert (
        client.post(f"/consultations/{consultation.id}/themes", data={"name": "X"}).status_code
        == 403
    )
    assert client.post(f"/requests/{wales.id}/points", data={}).status_code == 403
    client.post("/sign-out")

    sign_in("officer")
    second_id = second.id
    merged = client.post(
        f"/consultations/{consultation.id}/themes/merge",
        data={"source": str(second.id), "target": str(first.id)},
    )
    assert merged.status_code == 302
    db.session.expire_all()
    assert db.session.get(Theme, second_id) is None
    points = db.session.scalars(select(Point)).all()
    assert all([t.name for t in p.themes] == ["Safeguarding"] for p in points)
    same = client.post(
        f"/consultations/{consultation.id}/themes/merge",
        data={"source": str(first.id), "target": str(first.id)},
    )
    assert same.status_code == 400


def _mark_all(consultation):
    officer = factories.create_user("officer", email="marker@council.example")

    partner = services.theme_named(consultation, "Proven partner", by=officer)
    schools = services.theme_named(consultation, "Schools continuity", by=officer)
    for name, quote, theme, kind in (
        (
            "Wales High School",
            "a proven record of improving children's services",
            partner,
            "condition",
        ),
        ("Wales High School", "Ring 01709 822000.", schools, "concern"),
        ("Aston Hall School", "A joint safeguarding plan must be agreed", partner, "condition"),
        ("Wingfield Academy", "A private view: we oppose it.", schools, "concern"),
    ):
        response = db.session.scalar(
            select(Response).where(Response.request_id == request_of(consultation, name).id)
        )
        services.mark_point(
            response,
            quote=quote,
            kind=kind,
            themes=[theme],
            by=officer,
            texts={"comments": response.comments},
        )
    services.write_response(
        partner,
        response="The council will choose a partner rated good or better elsewhere.",
        change_made="Added to the procurement criteria.",
        state="agreed",
        by=officer,
    )
    services.write_response(
        schools,
        response="Schools keep their link officer.",
        change_made="",
        state="draft",
        by=officer,
    )
    db.session.commit()
    return officer, partner, schools


def test_the_schedule_page_and_word_follow_the_annexs_rules(
    consultation, client, sign_in, count_queries
):
    _mark_all(consultation)
    sign_in("scrutiny")
    with count_queries() as counted:
        page = client.get(f"/consultations/{consultation.id}/schedule")
    assert counted.count <= 8  # the user, the consultation, the schedule's two
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Proven partner" in text and "rated good or better" in text
    assert "Not for publication" in text  # staff see every point, marked
    by_partner = client.get(f"/consultations/{consultation.id}/schedule?by=partner")
    assert "Wales High School" in by_partner.get_data(as_text=True)

    word = client.get(f"/consultations/{consultation.id}/schedule.docx")
    document = Document(io.BytesIO(word.data))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Theme",
        "What partners said",
        "The council's response",
        "Change made",
    ]
    assert "w:tblHeader" in table.rows[0]._tr.xml
    text = "\n".join(c.text for row in table.rows for c in row.cells)
    assert "Wingfield" not in text and "private view" not in text
    assert "01709" not in text and "[phone number removed]" in text
    assert "Not yet agreed." in text  # a draft response is not published
    assert "Added to the procurement criteria." in text


def test_themes_by_sector_in_one_query(consultation, count_queries):
    _mark_all(consultation)
    consultation_id = consultation.id
    with count_queries() as counted:
        themes, sectors, counts = queries.fetch_themes_by_sector(consultation_id)
    assert counted.count == 1, counted.statements
    assert themes == ["Proven partner", "Schools continuity"]
    assert counts[("Proven partner", sectors[0])] == (2, 2)


def test_the_outcome_goes_back_to_each_partner_with_their_own_points_only(
    consultation, client, sign_in
):
    officer, _partner, schools = _mark_all(consultation)
    with pytest.raises(services.ConsiderationError, match="Schools continuity"):
        services.publish_outcome(consultation, by=officer)
    db.session.rollback()
    services.write_response(
        schools,
        response="Schools keep their link officer.",
        change_made="",
        state="agreed",
        by=officer,
    )
    db.session.commit()

    sign_in("officer")
    assert client.post(f"/consultations/{consultation.id}/outcome").status_code == 302
    db.session.expire_all()
    assert consultation.outcome_sent_at is not None
    emails = db.session.scalars(select(Message).where(Message.kind == "outcome")).all()
    assert len(emails) == 3  # each partner who replied
    assert all("/outcome" in email.body_text for email in emails)

    wales = request_of(consultation, "Wales High School")
    _row, token = create_token(wales.links[0])
    consultation.state = "closed"
    db.session.commit()
    client.post("/sign-out")
    page = client.get(f"/r/{token}/outcome")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "proven record" in text and "rated good or better" in text
    assert "joint safeguarding" not in text  # Aston Hall's point, not theirs
    assert "private view" not in text
    assert wales.links[0].expires_at > utcnow() + timedelta(days=80)
    assert client.get(f"/r/{'x' * 43}/outcome").status_code == 404
    # The link in the partner's first email now opens the outcome too.
    landing = client.get(f"/r/{token}")
    assert landing.status_code == 303 and landing.headers["Location"].endswith("/outcome")


def test_the_annex_carries_the_schedule_with_the_annexs_rules(consultation):
    from tests.publish.test_annex import built, docx_text, every_string

    _mark_all(consultation)
    for annex_format in ("pdf", "docx", "html"):
        _build, data = built(consultation, annex_format)
        text = {
            "pdf": every_string,
            "docx": docx_text,
            "html": lambda data: html.unescape(data.decode("utf-8")),
        }[annex_format](data)
        flat = " ".join(text.split())
        assert "Schedule of responses" in flat, annex_format
        assert "rated good or better" in flat, annex_format
        assert "private view" not in flat and "Wingfield" not in flat, annex_format
        assert "01709" not in flat, annex_format
        assert "Not yet agreed." in flat, annex_format


def test_the_dashboard_shows_themes_by_sector_with_a_chart_and_its_table(
    consultation, client, sign_in
):
    _mark_all(consultation)
    sign_in("scrutiny")
    page = client.get(f"/consultations/{consultation.id}/dashboard").get_data(as_text=True)
    assert "Themes partners raised" in page and 'id="themes-chart-title"' in page
    assert "Organisations that raised each theme. Proven partner: 2" in page
    assert "2 (2 as a condition)" in page


def test_the_demo_has_a_finished_schedule_of_the_real_cases_points(app, client, sign_in):
    from consult.consultations.models import Consultation
    from consult.demo import data
    from consult.demo.loader import load_demo

    load_demo(echo=lambda *args: None)
    db.session.commit()
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.reference == data.CONSULTATION["reference"])
    )
    schedule = queries.fetch_schedule(consultation.id)
    assert [item.theme.name for item in schedule] == sorted(t["name"] for t in data.THEMES)
    assert all(item.theme.agreed for item in schedule)
    assert db.session.query(Point).count() == len(data.POINTS)
    sign_in("scrutiny")
    page = client.get(f"/consultations/{consultation.id}/schedule").get_data(as_text=True)
    assert "Two headteachers join the improvement board" in page


def test_erasure_takes_the_personal_data_out_of_quotes_as_out_of_replies(consultation):
    from consult.redaction import ERASED
    from consult.retention import services as retention

    officer = factories.create_user("officer", email="eraser@council.example")
    theme = services.theme_named(consultation, "Views", by=officer)
    wales = request_of(consultation, "Wales High School")
    wales_reply = db.session.scalar(select(Response).where(Response.request_id == wales.id))
    wales_reply.comments = "Pat Lee writes: we support Option 3."
    wales_reply.submitted_by_link_id = wales.links[0].id
    private = db.session.scalar(
        select(Response).where(
            Response.request_id == request_of(consultation, "Wingfield Academy").id
        )
    )
    for reply, quote in ((wales_reply, "Pat Lee writes: we support"), (private, "we oppose it")):
        services.mark_point(
            reply,
            quote=quote,
            kind="support",
            themes=[theme],
            by=officer,
            texts={"comments": reply.comments},
        )
    db.session.commit()

    record = retention.find_person(wales.links[0].contact.email)
    retention.erase_person(record, now=utcnow())
    db.session.commit()
    quotes = {p.response_id: p.quote for p in db.session.scalars(select(Point))}
    assert quotes[wales_reply.id] == "[name withheld] writes: we support"

    retention.erase_consultation(consultation, now=utcnow())
    db.session.commit()
    quotes = {p.response_id: p.quote for p in db.session.scalars(select(Point))}
    assert quotes[private.id] == ERASED
    assert quotes[wales_reply.id] == "[name withheld] writes: we support"


def test_suggested_themes_are_worked_out_by_the_worker_and_the_officer_decides(
    consultation, client, sign_in
):
    from consult.consideration.models import SuggestionRun
    from worker.tasks.consideration import suggest_themes

    officer = factories.create_user("officer", email="suggester@council.example")
    for name in ("Aston Hall School", "Wingfield Academy"):
        reply = db.session.scalar(
            select(Response).where(Response.request_id == request_of(consultation, name).id)
        )
        reply.comments += (
            "\n\nA joint safeguarding plan agreed with the board must come first.\n\n"
            "Schools need continuity of their link officer during the change."
        )
    db.session.commit()
    sign_in("officer")
    assert client.post(f"/consultations/{consultation.id}/suggestions").status_code == 302
    run = db.session.scalar(select(SuggestionRun))
    assert client.get(f"/suggestions/{run.id}.json").json["waiting"] == 1
    page = client.get(f"/consultations/{consultation.id}/points").get_data(as_text=True)
    assert "Grouping the paragraphs" in page

    suggest_themes(run.id)
    db.session.expire_all()
    run = db.session.get(SuggestionRun, run.id)
    assert run.status == "done" and run.done == run.total
    assert run.suggestions, "the two schools' shared paragraphs make a group"
    texts = {passage["text"] for s in run.suggestions for passage in s["passages"]}
    assert any("joint safeguarding plan" in text for text in texts)
    page = client.get(f"/consultations/{consultation.id}/points").get_data(as_text=True)
    assert "Add the theme" in page
    label = run.suggestions[0]["label"]
    added = client.post(f"/consultations/{consultation.id}/themes", data={"name": label})
    assert added.status_code == 302
    assert db.session.scalar(select(Theme.name)) == label
    assert db.session.query(Point).count() == 0  # nothing is marked for the officer
    del officer


def test_the_list_pages_run_a_fixed_number_of_queries(consultation, client, sign_in, count_queries):
    sign_in("scrutiny")
    urls = (
        f"/consultations/{consultation.id}/points",
        f"/consultations/{consultation.id}/schedule",
        f"/consultations/{consultation.id}/schedule?by=partner",
    )

    def counted():
        found = []
        for url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            found.append(counter.count)
        return found

    before = counted()
    _mark_all(consultation)
    assert counted() == before
