"""Emails from the reply mailbox filed by themselves: replies under their request by the
thread, the sender or the organisation's domain; bounces against the message that did
not arrive; automatic replies noted; nothing recorded as a stance without an officer."""

from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from consult.correspondence.models import Message
from consult.extensions import db
from consult.inbox import filing
from consult.inbox.models import Arrival
from consult.issuing import services as issuing
from consult.requests import services as requests
from consult.requests.models import Request
from consult.respond.models import Response
from tests import factories
from tests.files.samples import pdf_bytes
from tests.inbox.emails import fixture, ours, outlook_reply


def arrive(raw, uid=None):
    """Store ``raw`` as the mailbox's next message and file it."""
    position = filing.mailbox_position("test")
    [arrival] = filing.store_batch("test", 1, [(uid or position.last_uid + 1, raw, None)])
    filing.file_arrival(arrival)
    db.session.commit()
    return arrival


def with_letter(raw):
    message = message_from_bytes(raw, policy=policy.default)
    message.make_mixed()
    message.add_attachment(pdf_bytes(), "application", "pdf", filename="Response.pdf")
    return message.as_bytes()


# Replies


def test_a_reply_in_the_thread_is_filed_under_its_request_with_the_words_and_letter(issued):
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(with_letter(outlook_reply(ours=ours(wales))))
    assert (arrival.kind, arrival.matched_by) == ("reply", "thread")
    assert arrival.request_id == wales.id
    assert arrival.contact.email == "head@wales.example"
    assert "early help hubs must stay open" in arrival.words
    assert "/r/" not in arrival.words
    [letter] = arrival.attachments
    assert (letter["filename"], letter["kind"]) == ("Response.pdf", "pdf")
    assert letter["file_id"]
    # Nothing is recorded as a stance without an officer.
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert db.session.get(Request, wales.id).status == "sent"


def test_a_reply_from_a_known_contact_outside_the_thread_is_matched_by_the_sender(issued):
    _, _, by_name = issued
    arrival = arrive(outlook_reply(sender="Sam Patel <Sam.Patel@police.example>"))
    assert (arrival.matched_by, arrival.request_id) == (
        "sender",
        by_name["Cumbria Constabulary"].id,
    )


def test_a_colleague_at_the_same_organisation_is_matched_by_its_domain(issued):
    _, _, by_name = issued
    arrival = arrive(outlook_reply(sender="Jo Bloggs <business.manager@wales.example>"))
    assert (arrival.matched_by, arrival.request_id) == ("domain", by_name["Wales High School"].id)
    assert arrival.contact_id is None


def test_a_mail_providers_domain_matches_no_organisation(issued):
    officer, _, _ = issued
    school = factories.create_organisation("Fellside School", contact_email="fellside@gmail.com")
    consultation = factories.create_ready_consultation(officer, [school], reference="CYPS-2")
    issuing.issue(consultation, by=officer)
    db.session.commit()
    arrival = arrive(outlook_reply(sender="Someone <someone@gmail.com>"))
    assert arrival.request_id is None and arrival.matched_by is None


def test_a_domain_two_organisations_share_matches_neither(app):
    officer = factories.create_user("officer")
    schools = [
        factories.create_organisation("Wales High School", contact_email="head@wales.example"),
        factories.create_organisation("Wales Primary", contact_email="head.primary@wales.example"),
    ]
    consultation = factories.create_ready_consultation(officer, schools)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    arrival = arrive(outlook_reply(sender="Jo Bloggs <business.manager@wales.example>"))
    assert arrival.request_id is None and arrival.matched_by is None


def test_a_stranger_waits_for_an_officer_who_can_file_it(issued):
    officer, _, by_name = issued
    arrival = arrive(outlook_reply(sender="A Governor <chair@governors.example>"))
    assert arrival.request_id is None
    filing.assign(arrival, by_name["Wales High School"], by=officer)
    db.session.commit()
    assert (arrival.matched_by, arrival.request_id) == ("officer", by_name["Wales High School"].id)


def test_a_thread_id_whose_digest_does_not_hold_is_not_taken_for_ours(issued):
    _, _, by_name = issued
    forged = ours(by_name["Wales High School"]).replace("consult.", "consult.").split(".")
    forged[2] = "0" * 20 + forged[2][20:]
    arrival = arrive(
        outlook_reply(sender="A Governor <chair@governors.example>", ours=".".join(forged))
    )
    assert arrival.request_id is None


def test_the_officer_records_a_filed_reply_in_one_step(issued):
    officer, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(with_letter(outlook_reply(ours=ours(wales))))
    response = filing.record_as_reply(
        arrival, by=officer, stance="supports_with_reservations", publication="publish"
    )
    db.session.commit()
    assert response.channel == "email"
    assert response.comments == arrival.words
    assert response.letter_file_id == arrival.attachments[0]["file_id"]
    assert response.source_file_id == arrival.raw_file_id
    assert db.session.get(Request, wales.id).status == "responded"
    with pytest.raises(filing.ArrivalError, match="already recorded"):
        filing.record_as_reply(arrival, by=officer, stance="supports", publication="publish")


# Bounces and automatic replies


def test_a_bounce_marks_the_message_and_its_only_contacts_request_failed(issued):
    _, _, by_name = issued
    old = by_name["Old School"]
    arrival = arrive(fixture("exchange_ndr.eml", ours=ours(old)))
    assert (arrival.kind, arrival.request_id, arrival.matched_by) == ("bounce", old.id, "thread")
    message = db.session.scalar(select(Message).where(Message.request_id == old.id))
    assert message.status == "failed" and message.bounced_at is not None
    assert message.last_error == (
        "Bounced: 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP"
        " address lookup"
    )
    assert db.session.get(Request, old.id).status == "failed"
    assert requests.bounced_addresses([old.id]) == {old.id: {"head@oldschool.example"}}


def test_a_bounce_in_no_standard_format_is_matched_by_the_address(issued):
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    raw = fixture("qmail_bounce.eml").replace(b"clerk@gone.partners.example", b"head@wales.example")
    arrival = arrive(raw)
    assert (arrival.kind, arrival.request_id) == ("bounce", wales.id)
    assert db.session.get(Request, wales.id).status == "failed"


def test_a_bounced_address_gets_no_reminder(issued):
    _, _, by_name = issued
    old = by_name["Old School"]
    arrive(fixture("exchange_ndr.eml", ours=ours(old)))
    invitation = db.session.scalar(select(Message).where(Message.request_id == old.id))
    reminder = Message(
        purpose="reminder:test",
        kind="reminder",
        request_id=old.id,
        to_address=invitation.to_address,
        subject="Reminder",
        body_text="Please reply",
    )
    db.session.add(reminder)
    db.session.flush()
    assert requests.reminders_not_wanted([reminder]) == {
        reminder.id: "Not sent: mail to this address bounced"
    }


def test_an_out_of_office_is_noted_on_the_request_and_is_no_reply(issued):
    _, _, by_name = issued
    police = by_name["Cumbria Constabulary"]
    arrival = arrive(fixture("exchange_out_of_office.eml", ours=ours(police)))
    assert (arrival.kind, arrival.request_id) == ("auto_reply", police.id)
    assert db.session.get(Request, police.id).status == "sent"
    officer = factories.create_user("officer")
    with pytest.raises(filing.ArrivalError):
        filing.record_as_reply(arrival, by=officer, stance="supports", publication="publish")


# Stored once


def test_a_message_is_stored_once_by_its_uid_and_once_by_its_message_id(issued):
    raw = outlook_reply(sender="A Governor <chair@governors.example>", message_id="<one@x.example>")
    assert len(filing.store_batch("test", 7, [(1, raw, None)])) == 1
    db.session.commit()
    assert filing.store_batch("test", 7, [(1, raw, None)]) == []  # read again
    assert filing.store_batch("test", 7, [(2, raw, None)]) == []  # a copy
    db.session.commit()
    assert db.session.scalar(select(func.count(Arrival.id))) == 1
    assert filing.mailbox_position("test").last_uid == 2


def test_a_renumbered_folder_is_read_again_without_storing_twice(issued):
    raw = outlook_reply(sender="A Governor <chair@governors.example>", message_id="<two@x.example>")
    filing.store_batch("test", 7, [(5, raw, None)])
    db.session.commit()
    assert filing.store_batch("test", 8, [(1, raw, None)]) == []
    db.session.commit()
    position = filing.mailbox_position("test")
    assert (position.uid_validity, position.last_uid) == (8, 1)


def test_a_message_that_is_no_email_waits_for_the_officer(issued):
    [arrival] = filing.store_batch("test", 1, [(1, b"\x00\xff not an email", None)])
    db.session.commit()
    assert filing.file_waiting() == 1
    assert arrival.kind == "reply" and arrival.request_id is None


def test_one_reader_holds_the_mailbox_until_it_is_done_or_its_hold_runs_out(app):
    from datetime import timedelta

    from consult.db import utcnow

    assert filing.hold_mailbox("test")
    assert not filing.hold_mailbox("test")  # the next poll, while the first reads
    assert filing.hold_mailbox("test", now=utcnow() + filing.READING_HOLD + timedelta(seconds=1))
    filing.release_mailbox("test")
    assert filing.hold_mailbox("test")


def test_erasure_under_retention_takes_what_arrived_by_email(issued):
    from consult.db import utcnow
    from consult.files.models import StoredFile
    from consult.retention.services import ERASED_ADDRESS, erase_consultation

    _, consultation, by_name = issued
    arrival = arrive(with_letter(outlook_reply(ours=ours(by_name["Wales High School"]))))
    erase_consultation(consultation, now=utcnow())
    db.session.commit()
    db.session.refresh(arrival)
    assert arrival.sender_address == ERASED_ADDRESS and arrival.sender_name == ""
    assert "early help hubs" not in arrival.words
    assert db.session.get(StoredFile, arrival.raw_file_id).erased_at is not None
    letter = db.session.get(StoredFile, arrival.attachments[0]["file_id"])
    assert letter.erased_at is not None
