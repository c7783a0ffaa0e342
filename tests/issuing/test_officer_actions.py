"""After issue: resend a link, withdraw a request, add recipients, move the deadline."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.correspondence.models import Message
from consult.db import utcnow
from consult.directory import services as directory
from consult.extensions import db
from consult.issuing import services
from consult.requests.models import LinkToken, RecipientLink, Request
from tests import factories


@pytest.fixture
def officer(app):
    return factories.create_user("officer")


@pytest.fixture
def issued(officer):
    school = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [school])
    services.issue(consultation, by=officer)
    db.session.commit()
    return consultation


def only_link():
    return db.session.scalar(select(RecipientLink))


def actions():
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_resending_a_link_stops_every_earlier_token_and_queues_a_new_email(issued, officer):
    link = only_link()
    old_token = db.session.scalar(select(LinkToken))

    services.resend_link(link, by=officer, tokens_seen=1)
    db.session.commit()

    tokens = db.session.scalars(select(LinkToken).order_by(LinkToken.id)).all()
    assert len(tokens) == 2
    assert tokens[0].id == old_token.id and tokens[0].revoked_at is not None
    assert tokens[1].revoked_at is None
    messages = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.kind for m in messages] == ["invitation", "link_resent"]
    # The first invitation had not gone yet: it would carry a dead link, so it is cancelled.
    assert messages[0].status == "cancelled" and messages[0].sealed_link is None
    assert messages[1].subject.startswith("New link: ")
    assert "link resent" in actions()


def test_a_second_click_on_resend_sends_nothing_more(issued, officer):
    link = only_link()
    services.resend_link(link, by=officer, tokens_seen=1)
    db.session.commit()

    with pytest.raises(services.IssuingError, match="resent a moment ago"):
        services.resend_link(link, by=officer, tokens_seen=1)
    db.session.rollback()

    assert len(db.session.scalars(select(Message)).all()) == 2


def test_withdrawing_revokes_the_links_and_cancels_unsent_mail(issued, officer):
    request = db.session.scalar(select(Request))

    services.withdraw(request, by=officer, reason="Wrong organisation")
    db.session.commit()

    assert request.status == "withdrawn" and request.withdrawn_at is not None
    assert only_link().revoked_at is not None
    assert {m.status for m in db.session.scalars(select(Message))} == {"cancelled"}
    assert "withdrawn" in actions()
    with pytest.raises(services.IssuingError):
        services.withdraw(request, by=officer)


def test_a_withdrawn_request_gets_no_new_link(issued, officer):
    request = db.session.scalar(select(Request))
    services.withdraw(request, by=officer)
    db.session.commit()

    with pytest.raises(services.IssuingError):
        services.resend_link(only_link(), by=officer, tokens_seen=1)


def test_adding_an_organisation_after_issue_invites_its_people_at_once(issued, officer):
    police = factories.create_organisation("South Yorkshire Police")

    request, added = services.add_recipient_after_issue(issued, police, police.contacts, by=officer)
    db.session.commit()

    assert request.status == "issued" and len(added) == 1
    invitation = db.session.scalar(select(Message).where(Message.request_id == request.id))
    assert invitation.kind == "invitation" and invitation.status == "queued"
    assert "recipient added" in actions()


def test_adding_a_second_contact_to_an_organisation_already_asked(issued, officer):
    request = db.session.scalar(select(Request))
    deputy = directory.add_contact(
        request.organisation, name="Sam Patel", role="Deputy Head", email="deputy@wingfield.example"
    )

    _, added = services.add_recipient_after_issue(
        issued, request.organisation, [*request.organisation.contacts], by=officer
    )
    db.session.commit()

    assert added == [deputy]
    assert len(db.session.scalars(select(RecipientLink)).all()) == 2
    assert len(db.session.scalars(select(Message)).all()) == 2


def test_moving_the_deadline_moves_link_expiry_and_can_tell_partners(issued, officer):
    new_deadline = issued.deadline_at + timedelta(days=7)

    told = services.change_deadline(issued, new_deadline, by=officer, tell_partners=True)
    db.session.commit()

    assert told == 1
    assert issued.deadline_at == new_deadline
    assert only_link().expires_at == new_deadline + timedelta(days=28)
    notice = db.session.scalar(select(Message).where(Message.kind == "deadline_changed"))
    assert notice.subject.endswith("the deadline has changed")
    assert "LINK-WITHHELD" in notice.body_text and notice.sealed_link
    assert "deadline changed" in actions()


def test_moving_the_deadline_twice_to_the_same_time_tells_partners_once(issued, officer):
    new_deadline = issued.deadline_at + timedelta(days=7)
    services.change_deadline(issued, new_deadline, by=officer, tell_partners=True)
    services.change_deadline(issued, new_deadline, by=officer, tell_partners=True)
    db.session.commit()

    assert (
        len(db.session.scalars(select(Message).where(Message.kind == "deadline_changed")).all())
        == 1
    )


def test_a_deadline_in_the_past_is_refused(issued, officer):
    with pytest.raises(services.IssuingError, match="future"):
        services.change_deadline(issued, utcnow() - timedelta(hours=1), by=officer)


def test_partners_who_replied_are_not_told_about_a_new_deadline(issued, officer):
    from consult.respond import services as respond

    request = db.session.scalar(select(Request))
    respond.record_response(
        request, stance="supports", received_at=utcnow(), channel="email", entered_by=officer
    )
    db.session.commit()

    told = services.change_deadline(
        issued, issued.deadline_at + timedelta(days=3), by=officer, tell_partners=True
    )

    assert told == 0
