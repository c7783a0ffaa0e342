"""Integrity held by the database itself, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from consult.consultations import services as consultations
from consult.dates import london_datetime
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import LinkToken, Request
from consult.respond import services as respond
from consult.respond.models import Response
from tests import factories


@pytest.fixture
def issued_request(app):
    officer = factories.create_user("officer")
    organisation = factories.create_organisation("Wingfield Academy")
    consultation = consultations.create_consultation(
        reference="CYPS-1",
        title="Children's services",
        created_by=officer,
        deadline_at=london_datetime(2017, 4, 7, 17),
    )
    preferred = consultations.add_option(
        consultation, name="Peer practice partner", is_preferred=True
    )
    consultations.add_option(consultation, name="Commission by contract")
    criterion = consultations.add_criterion(consultation, "Partnerships")
    consultations.set_score(preferred, criterion, 5)
    request = issuing.add_recipient(consultation, organisation, organisation.contacts)
    issuing.record_issued_elsewhere(
        consultation, issued_at=london_datetime(2017, 3, 23, 9), by=officer
    )
    db.session.commit()
    return request


def refused(statement, **params):
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement), params)
        db.session.flush()
    db.session.rollback()


def test_one_request_per_consultation_and_organisation(issued_request):
    refused(
        "INSERT INTO requests (consultation_id, organisation_id, status, decline_reason,"
        " created_at) VALUES (:c, :o, 'issued', '', CURRENT_TIMESTAMP)",
        c=issued_request.consultation_id,
        o=issued_request.organisation_id,
    )


def test_token_hashes_are_unique(issued_request):
    link = issued_request.links[0]
    db.session.add(LinkToken(link=link, token_hash="a" * 64))
    db.session.commit()
    db.session.add(LinkToken(link=link, token_hash="a" * 64))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_request_status_is_one_of_the_states(issued_request):
    refused("UPDATE requests SET status = 'lost' WHERE id = :id", id=issued_request.id)


def test_stance_is_one_of_the_five(issued_request):
    response = respond.record_response(
        issued_request,
        stance="supports",
        received_at=london_datetime(2017, 3, 27, 10),
        channel="email",
    )
    db.session.commit()
    refused("UPDATE responses SET stance = 'maybe' WHERE id = :id", id=response.id)


def test_prefers_another_option_must_name_it(issued_request):
    response = respond.record_response(
        issued_request, stance="supports", received_at=london_datetime(2017, 3, 27, 10)
    )
    db.session.commit()
    refused("UPDATE responses SET stance = 'prefers_another_option' WHERE id = :id", id=response.id)


def test_only_one_option_is_preferred(issued_request):
    consultation = issued_request.consultation
    refused(
        "UPDATE options SET is_preferred = :yes WHERE consultation_id = :c",
        c=consultation.id,
        yes=True,
    )


def test_scores_are_0_to_5(issued_request):
    option = issued_request.consultation.options[0]
    refused("UPDATE scores SET value = 6 WHERE option_id = :o", o=option.id)


def test_amending_adds_a_version_and_keeps_the_first(issued_request):
    first = respond.record_response(
        issued_request,
        stance="supports",
        received_at=london_datetime(2017, 3, 27, 10),
        comments="We support the preferred option.",
    )
    second = respond.record_response(
        issued_request,
        stance="supports_with_reservations",
        received_at=london_datetime(2017, 3, 29, 10),
        comments="We support it, provided schools are involved in the board.",
    )
    db.session.commit()

    versions = db.session.query(Response).order_by(Response.version).all()
    assert [(v.version, v.stance) for v in versions] == [
        (1, "supports"),
        (2, "supports_with_reservations"),
    ]
    assert first.comments == "We support the preferred option."
    request = db.session.get(Request, issued_request.id)
    assert request.status == "responded" and request.response_version == 2
    assert request.responded_at == first.received_at != second.received_at


def test_a_version_number_is_used_once_per_request(issued_request):
    respond.record_response(
        issued_request, stance="supports", received_at=london_datetime(2017, 3, 27, 10)
    )
    db.session.commit()
    db.session.add(
        Response(
            request_id=issued_request.id,
            version=1,
            stance="no_view",
            received_at=london_datetime(2017, 3, 28, 10),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_request_cannot_point_at_a_missing_organisation(issued_request):
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA foreign_keys = ON"))
    refused("UPDATE requests SET organisation_id = 999999 WHERE id = :id", id=issued_request.id)
