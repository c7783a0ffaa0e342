"""Addresses and headers beyond plain ASCII: sent as email allows, or failed once with a
reason the officer can read on the request's page, never retried for ever."""

from sqlalchemy import select

from consult.correspondence import services
from consult.correspondence.models import Message
from consult.directory import services as directory
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from tests import factories
from tests.smtp import text_of
from worker.tasks.correspondence import deliver_messages, sweep_outbox


def issue_to(email, name="Siân Ó Dálaigh"):
    """A consultation issued to one organisation whose one contact has ``email``."""
    officer = factories.create_user("officer")
    organisation = directory.create_organisation(
        name="Ysgol Gymraeg", sector=factories.create_sector()
    )
    directory.add_contact(organisation, name=name, role="Pennaeth", email=email)
    consultation = factories.create_ready_consultation(officer, [organisation])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    [invitation] = db.session.scalars(select(Message).where(Message.kind == "invitation")).all()
    return invitation


def reload(message):
    db.session.expire_all()
    return db.session.get(Message, message.id)


def test_an_address_at_a_domain_beyond_ascii_is_sent_to_its_idna_form(smtp_app, smtp_server):
    invitation = issue_to("pennaeth@école.example")

    deliver_messages([invitation.id])

    assert reload(invitation).status == "sent", reload(invitation).last_error
    [received] = smtp_server.inbox.to("pennaeth@xn--cole-9oa.example")
    assert received["To"].addresses[0].addr_spec == "pennaeth@xn--cole-9oa.example"
    assert received["To"].addresses[0].display_name == "Siân Ó Dálaigh"
    assert "Siân Ó Dálaigh" in text_of(received)


def test_an_address_that_cannot_be_written_fails_once_with_its_reason(
    smtp_app, smtp_server, client, sign_in
):
    invitation = issue_to("siân@school.example")

    deliver_messages([invitation.id])
    sweep_outbox()
    deliver_messages([invitation.id])

    failed = reload(invitation)
    assert failed.status == "failed" and failed.attempts == 1
    assert "letters beyond ASCII before the @" in failed.last_error
    assert smtp_server.inbox.messages == []
    request = db.session.get(Request, failed.request_id)
    assert request.status == "failed"
    sign_in("officer")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "letters beyond ASCII before the @" in page


def test_a_subject_of_more_than_998_octets_arrives_whole_in_lines_email_allows(
    smtp_app, smtp_server
):
    subject = "Ymgynghoriad: " + "📮" * 280  # over a thousand octets in UTF-8
    message = services.store_message(
        purpose="test:long-subject",
        kind="invitation",
        to_address="head@school.example",
        to_name="Siân Llewellyn-Jones",
        subject=subject,
        text="Diolch.",
    )
    db.session.commit()
    assert len(subject.encode()) > 998

    deliver_messages([message.id])

    assert reload(message).status == "sent", reload(message).last_error
    [(_recipients, received)] = smtp_server.inbox.messages
    assert received["Subject"] == subject
    assert not received.defects
