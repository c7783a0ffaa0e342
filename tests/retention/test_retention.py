"""Retention and one person's data: erased when due, nothing else lost, tallies intact."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.correspondence.models import Message
from consult.db import utcnow
from consult.directory.models import Contact
from consult.extensions import db
from consult.files.services import stored_path
from consult.issuing import services as issuing
from consult.publish import annex
from consult.requests.models import LinkToken, RecipientLink, Request
from consult.respond.models import Response, ResponseDraft
from consult.respond.services import record_response
from consult.retention import services
from consult.review import queries as review
from tests import factories
from worker.tasks.retention import erase_expired

ERASED = "[erased]"


def tally(consultation):
    return sorted(
        db.session.execute(
            select(Response.stance, func.count())
            .join(Request, Request.id == Response.request_id)
            .where(
                Request.consultation_id == consultation.id,
                Response.version == Request.response_version,
            )
            .group_by(Response.stance)
        ).all()
    )


@pytest.fixture
def closed_consultation(app):
    """Closed a year ago and kept six months: three replies, one not for publication
    with a letter, one anonymous, one published with a letter; a draft still unsent."""
    officer = factories.create_user("officer")
    names = ("Aston Hall School", "Wales High School", "Wingfield Academy", "Oakwood High")
    organisations = [
        factories.create_organisation(name, contact_email=f"head@{name.split()[0].lower()}.example")
        for name in names
    ]
    consultation = factories.create_ready_consultation(officer, organisations)
    consultation.retention_days = 183
    issuing.issue(consultation, by=officer)
    requests = {
        request.organisation.name: request for request in db.session.scalars(select(Request))
    }
    received = utcnow() - timedelta(days=400)
    private_letter = factories.create_stored_pdf("private.pdf")
    public_letter = factories.create_stored_pdf("public.pdf")
    private = record_response(
        requests["Aston Hall School"],
        stance="does_not_support",
        received_at=received,
        comments="Confidential: our head, Jo Bloggs, is leaving.",
        responder_name="Jo Bloggs",
        publication="do_not_publish",
    )
    private.letter_file_id = private_letter.id
    record_response(
        requests["Wales High School"],
        stance="supports",
        received_at=received,
        comments="We support it. Sam Kent, 01709 822000.",
        responder_name="Sam Kent",
        publication="publish_without_name",
    )
    public = record_response(
        requests["Wingfield Academy"],
        stance="supports_with_reservations",
        received_at=received,
        comments="We support it, with reservations about caseloads.",
        responder_name="Pat Lee",
        responder_role="Headteacher",
    )
    public.letter_file_id = public_letter.id
    db.session.add(
        ResponseDraft(request_id=requests["Oakwood High"].id, comments="Half-written", revision=1)
    )
    consultations.close(consultation, by=officer, at=utcnow() - timedelta(days=365))
    db.session.commit()
    return consultation, private_letter, public_letter


def test_a_dry_run_lists_what_would_go_and_changes_nothing(closed_consultation, app):
    consultation, _private, _public = closed_consultation
    messages_before = db.session.scalars(select(Message.body_text)).all()

    result = app.test_cli_runner().invoke(args=["consult", "erase-expired", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert f"Would erase from {consultation.reference}" in result.output
    assert "1 unpublished letters" in result.output and "1 drafts" in result.output
    assert "3 responder names" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(Message.body_text)).all() == messages_before
    assert consultation.personal_data_erased_at is None


def test_past_its_retention_period_a_consultations_personal_data_is_erased(closed_consultation):
    consultation, private_letter, public_letter = closed_consultation
    tally_before = tally(consultation)
    dashboard_before = review.fetch_tally(consultation)
    summary_before = annex.summary_rows(annex.collect(consultation, now=utcnow()))

    assert erase_expired() == [consultation.reference]
    db.session.expire_all()

    messages = db.session.scalars(select(Message)).all()
    assert messages and all(
        (message.to_address, message.to_name, message.body_text, message.body_html)
        == ("erased@erased.invalid", "", ERASED, "")
        for message in messages
    )
    responses = {response.stance: response for response in db.session.scalars(select(Response))}
    assert {response.responder_name for response in responses.values()} == {ERASED}
    assert responses["does_not_support"].comments == ERASED  # never for publication
    assert responses["supports_with_reservations"].comments.startswith("We support it")
    assert db.session.scalar(select(func.count(ResponseDraft.id))) == 0
    assert not stored_path(private_letter).exists()
    assert stored_path(public_letter).exists()  # published in the annex: kept
    assert (
        db.session.scalar(select(func.count(LinkToken.id)).where(LinkToken.revoked_at.is_(None)))
        == 0
    )
    # what the committee's record needs is untouched
    assert tally(consultation) == tally_before
    assert review.fetch_tally(consultation) == dashboard_before  # the dashboard's figures
    assert annex.summary_rows(annex.collect(consultation, now=utcnow())) == summary_before
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal data erased"))
    assert event.consultation_id == consultation.id
    assert event.details["emails"] == len(messages)
    # a second run finds nothing more to do
    assert erase_expired() == []


def test_a_consultation_within_its_period_is_left_alone(closed_consultation):
    consultation, _private, _public = closed_consultation
    consultation.retention_days = 730
    db.session.commit()
    assert erase_expired() == []
    assert db.session.scalar(select(func.count(Message.id)).where(Message.body_text == ERASED)) == 0


def test_the_retention_period_defaults_from_configuration(app):
    app.config["DEFAULT_RETENTION_DAYS"] = 365
    officer = factories.create_user("officer")
    consultation = consultations.create_consultation(
        reference="R-1", title="Retention", created_by=officer
    )
    assert consultation.retention_days == 365


# One person


def test_one_persons_data_is_found_exported_and_erased(closed_consultation, app):
    consultation, _private, public_letter = closed_consultation
    link = db.session.scalar(
        select(RecipientLink)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(Contact.email == "head@wingfield.example")
    )
    response = db.session.scalar(select(Response).where(Response.request_id == link.request_id))
    response.submitted_by_link_id = link.id
    response.comments = "Pat Lee writes for the academy: call 07700 900123."
    db.session.commit()
    tally_before = tally(consultation)

    record = services.find_person(" HEAD@Wingfield.example ")
    assert [contact.organisation.name for contact in record.contacts] == ["Wingfield Academy"]
    assert len(record.messages) == 1 and record.responses == [response]
    assert record.files == [public_letter]

    archive = zipfile.ZipFile(io.BytesIO(services.export_person(record)))
    person = json.loads(archive.read("person.json"))
    assert person["contacts"][0]["organisation"] == "Wingfield Academy"
    assert person["replies"][0]["responder_name"] == "Pat Lee"
    assert person["emails"][0]["to"] == "head@wingfield.example"
    assert any(name.endswith("public.pdf") for name in archive.namelist())

    services.erase_person(record, now=utcnow())
    db.session.commit()
    db.session.expire_all()

    contact = db.session.get(Contact, link.contact_id)
    assert (contact.name, contact.email, contact.phone) == (ERASED, None, "")
    response = db.session.get(Response, response.id)
    assert response.responder_name == ERASED
    assert response.comments == (
        "[name withheld] writes for the academy: call [phone number removed]."
    )
    assert tally(consultation) == tally_before
    assert services.find_person("head@wingfield.example").found is False
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "person exported" in actions and "person erased" in actions


def test_the_personal_data_pages_are_for_admins(app, client, sign_in, closed_consultation):
    sign_in("admin")
    page = client.get("/admin/people")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"

    bad = client.post("/admin/people", data={"email": "not an email"})
    assert bad.status_code == 400
    assert "Enter a valid email address" in bad.get_data(as_text=True)

    found = client.post("/admin/people", data={"email": "head@wales.example"})
    assert "Wales High School" in found.get_data(as_text=True)

    exported = client.post("/admin/people/export", data={"email": "head@wales.example"})
    assert exported.mimetype == "application/zip"

    unconfirmed = client.post("/admin/people/erase", data={"email": "head@wales.example"})
    assert unconfirmed.status_code == 400
    assert "Confirm that you understand" in unconfirmed.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contact.id)).where(Contact.name == ERASED)) == 0

    erased = client.post(
        "/admin/people/erase", data={"email": "head@wales.example", "confirm": "y"}
    )
    assert erased.status_code == 302
    assert db.session.scalar(select(func.count(Contact.id)).where(Contact.name == ERASED)) == 1

    nothing = client.post("/admin/people", data={"email": "nobody@nowhere.example"})
    assert "Nothing: no contact" in nothing.get_data(as_text=True)
