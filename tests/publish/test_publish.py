"""Publishing: the annex of partners' letters (PDF and Word, built by the worker with
progress) and the response log as CSV and Excel."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.demo import data
from consult.demo.loader import load_demo
from consult.extensions import db
from consult.issuing import services as issuing
from consult.publish import services
from consult.publish.models import AnnexBuild
from consult.redaction import redact
from consult.requests.models import Request
from consult.respond.models import Response
from consult.respond.services import record_response
from tests import factories
from worker.tasks.publish import build_annex, sweep_builds

# Redaction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to j.smith@school.example today", "Write to [email address removed] today"),
        ("Call 01709 822000.", "Call [phone number removed]."),
        ("Call (01709) 822 000 or", "Call [phone number removed] or"),
        ("Mobile 07700 900123", "Mobile [phone number removed]"),
        ("+44 (0)114 273 4567 is the desk", "[phone number removed] is the desk"),
        ("0114-273-4567", "[phone number removed]"),
        ("In 2017 we had 1,250 referrals", "In 2017 we had 1,250 referrals"),
        ("Ofsted rated 12 of 15 schools good", "Ofsted rated 12 of 15 schools good"),
    ],
)
def test_email_addresses_and_phone_numbers_are_taken_out(text, expected):
    assert redact(text) == expected


def test_a_writer_who_asked_not_to_be_named_is_not_named():
    assert redact("Yours, Morgan Ellis (MORGAN ELLIS)", names=["Morgan Ellis"]) == (
        "Yours, [name withheld] ([name withheld])"
    )


# The annex


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def build(consultation, annex_format="pdf"):
    annex_build = services.request_annex(consultation, annex_format)
    db.session.commit()
    build_annex(annex_build.id)  # the task, in a session of its own
    db.session.expire_all()
    annex_build = db.session.get(AnnexBuild, annex_build.id)
    assert annex_build.status == "done", annex_build.error
    path = app_upload_dir() / annex_build.stored_file.storage_name
    return annex_build, path.read_bytes()


def app_upload_dir():
    from pathlib import Path

    from flask import current_app

    return Path(current_app.config["UPLOAD_DIR"])


def test_the_demo_annex_lists_the_replies_in_the_order_received_with_the_late_ones_marked(app):
    load_demo(echo=lambda *args: None)
    db.session.commit()
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.reference == data.CONSULTATION["reference"])
    )

    annex_build, pdf = build(consultation)

    reader, text = pdf_text(pdf)
    text = re.sub(r"\s+", " ", text)
    assert "Letters from Partners" in text
    assert consultation.title in text
    summary = text[text.index("Summary of replies") :]
    positions = [summary.index(reply["organisation"]) for reply in data.REPLIES]
    assert positions == sorted(positions)
    late = [reply["organisation"] for reply in data.REPLIES if reply["late"]]
    assert late == [
        "Rotherham Doncaster and South Humber NHS Foundation Trust",
        "Voluntary Action Rotherham",
    ]
    for organisation in late:
        row = summary[summary.index(organisation) :][:200]
        assert "Late" in row
    assert "Received 27 March 2017" in text
    assert annex_build.done == annex_build.total == len(data.REPLIES)
    assert "@" not in text.replace("[email address removed]", "")  # no address is printed
    assert len(reader.pages) >= 2 + len(data.REPLIES)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exported"))
    assert event.details["what"] == "annex" and event.consultation_id == consultation.id


def respond(request, *, days_after_issue, **fields):
    record_response(
        request,
        stance=fields.pop("stance", "supports"),
        received_at=utcnow() - timedelta(days=10) + timedelta(days=days_after_issue),
        **fields,
    )


@pytest.fixture
def open_consultation(app):
    officer = factories.create_user("officer")
    schools = [
        factories.create_organisation(name)
        for name in ("Aston Hall School", "Wales High School", "Wingfield Academy")
    ]
    consultation = factories.create_ready_consultation(officer, schools)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    requests = {
        request.organisation.name: request
        for request in db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id)
        )
    }
    return consultation, requests


def test_consent_to_publish_and_anonymity_are_honoured(open_consultation):
    consultation, requests = open_consultation
    respond(
        requests["Wales High School"],
        days_after_issue=1,
        comments="We support it. Ring me on 01709 822000 or write to pat@wales.example.",
        responder_name="Pat Lee",
        responder_role="Headteacher",
    )
    respond(
        requests["Aston Hall School"],
        days_after_issue=2,
        stance="supports_with_reservations",
        comments="Sam Kent writes: we support it, with worries about caseloads.",
        responder_name="Sam Kent",
        publication="publish_without_name",
    )
    respond(
        requests["Wingfield Academy"],
        days_after_issue=3,
        comments="A private view that must not appear in the annex.",
        responder_name="Jo Bloggs",
        publication="do_not_publish",
    )
    db.session.commit()

    _build, pdf = build(consultation)
    _reader, text = pdf_text(pdf)
    text = re.sub(r"\s+", " ", text)

    assert "Pat Lee, Headteacher" in text
    assert "01709" not in text and "pat@wales.example" not in text
    assert "[phone number removed]" in text and "[email address removed]" in text
    assert "Sam Kent" not in text
    assert "[name withheld] writes" in text and "asked not to be named" in text
    assert "Supports with reservations" in text
    assert "must not appear" not in text and "Jo Bloggs" not in text
    assert "Wingfield Academy" not in text  # not named, only counted
    assert "1 reply is not published, at the partner's request." in text


def test_a_pdf_letter_is_reproduced_as_its_pages_and_word_has_the_same_replies(
    open_consultation,
):
    consultation, requests = open_consultation
    request = requests["Wales High School"]
    respond(request, days_after_issue=1, comments="Our letter is attached.")
    response = db.session.scalar(select(Response).where(Response.request_id == request.id))
    response.letter_file_id = factories.create_stored_pdf("letter.pdf").id
    db.session.commit()

    _build, pdf = build(consultation)
    _reader, text = pdf_text(pdf)
    # The sample letter is one blank page: it goes in as one picture of that page.
    assert "The letter as it was sent, with personal details blacked out." in text
    assert "page 1 of the letter" in text

    _build, docx = build(consultation, "docx")
    document = Document(io.BytesIO(docx))
    words = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Letters from Partners" in words and "Our letter is attached." in words
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "Organisation",
        "Sector",
        "Received",
        "Stance",
        "Late",
    ]
    assert table.rows[1].cells[0].text == "Wales High School"


def test_a_build_that_fails_says_so_and_is_not_retried_forever(open_consultation, monkeypatch):
    consultation, _requests = open_consultation
    from consult.publish import annex

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(annex, "render_pdf", broken)
    annex_build = services.request_annex(consultation, "pdf")
    db.session.commit()
    with pytest.raises(RuntimeError):
        build_annex(annex_build.id)
    db.session.expire_all()
    assert db.session.get(AnnexBuild, annex_build.id).status == "failed"
    assert sweep_builds() == 0


def test_a_lost_build_is_handed_out_again(open_consultation):
    consultation, _requests = open_consultation
    annex_build = services.request_annex(consultation, "pdf")
    db.session.commit()
    assert sweep_builds() == 0  # just queued
    annex_build.updated_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert sweep_builds() == 1


def test_a_draft_has_no_annex(app):
    officer = factories.create_user("officer")
    draft = factories.create_ready_consultation(officer, [factories.create_organisation()])
    with pytest.raises(services.PublishError):
        services.request_annex(draft, "pdf")
    with pytest.raises(services.PublishError, match="PDF, Word or web page"):
        services.request_annex(draft, "odt")


# The pages


def test_officers_build_the_annex_and_scrutiny_downloads_it(open_consultation, client, sign_in):
    consultation, requests = open_consultation
    respond(requests["Wales High School"], days_after_issue=1, comments="Yes.")
    db.session.commit()

    sign_in("scrutiny")
    page = client.get(f"/consultations/{consultation.id}/annex").get_data(as_text=True)
    assert "Build the annex" not in page
    assert client.post(f"/consultations/{consultation.id}/annex").status_code == 403
    client.post("/sign-out")

    sign_in("officer", email="another.officer@council.example")
    assert (
        client.post(f"/consultations/{consultation.id}/annex", data={"format": "odt"}).status_code
        == 400
    )
    response = client.post(f"/consultations/{consultation.id}/annex", data={"format": "pdf"})
    assert response.status_code == 302
    annex_build = db.session.scalar(select(AnnexBuild))
    assert client.get(f"/annexes/{annex_build.id}.json").json == {
        "status": "queued",
        "done": 0,
        "total": 0,
        "waiting": 1,
    }
    waiting = client.get(f"/consultations/{consultation.id}/annex").get_data(as_text=True)
    assert "Waiting for the worker" in waiting and "Refresh this page" in waiting
    not_ready = client.get(f"/annexes/{annex_build.id}/download")
    assert not_ready.status_code == 302
    build_annex(annex_build.id)
    client.post("/sign-out")

    sign_in("scrutiny", email="another.chair@council.example")
    download = client.get(f"/annexes/{annex_build.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data.startswith(b"%PDF-")


def test_the_log_exports_neutralise_formulas(open_consultation, client, sign_in):
    consultation, requests = open_consultation
    respond(
        requests["Wales High School"],
        days_after_issue=1,
        comments='=HYPERLINK("http://evil.example","click")',
    )
    db.session.commit()
    sign_in("scrutiny")

    csv = client.get(f"/consultations/{consultation.id}/responses.csv")
    assert csv.status_code == 200
    assert csv.headers["Content-Disposition"].startswith("attachment")
    text = csv.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Organisation,Sector,Contacts,Status,Stance")
    assert "'=HYPERLINK" in text
    assert "Wales High School" in text and "outstanding" in text

    xlsx = client.get(f"/consultations/{consultation.id}/responses.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        strings = workbook.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    exported = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "exported")
    ).all()
    assert [details["format"] for details in exported] == ["csv", "xlsx"]


def test_a_drafts_exports_are_not_found(app, client, sign_in):
    officer = factories.create_user("officer")
    draft = factories.create_ready_consultation(officer, [factories.create_organisation()])
    db.session.commit()
    sign_in("scrutiny")
    assert client.get(f"/consultations/{draft.id}/responses.csv").status_code == 404
    assert client.get(f"/consultations/{draft.id}/annex").status_code == 404


def test_the_log_export_runs_a_fixed_number_of_queries(app, client, sign_in, count_queries):
    officer = factories.create_user("officer")

    def counted(number, reference):
        organisations = [factories.create_organisation() for _ in range(number)]
        consultation = factories.create_ready_consultation(
            officer, organisations, reference=reference
        )
        issuing.issue(consultation, by=officer)
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/consultations/{consultation.id}/responses.csv").status_code == 200
        return counter.count

    sign_in("scrutiny")
    assert counted(2, "SMALL-1") == counted(12, "LARGE-1")
