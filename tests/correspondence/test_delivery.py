"""Delivering stored messages to a real SMTP server, and what happens when it fails."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.correspondence import delivery, services, transport
from consult.correspondence.emails import HeaderError
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.correspondence.wire import message_id_header
from consult.db import utcnow
from consult.extensions import db
from consult.requests.partner_emails import partner_link_url
from tests.smtp import html_of, text_of
from worker.tasks.correspondence import deliver_messages


def queue(number=1, **fields):
    defaults = {
        "purpose": f"test:{number}",
        "kind": "invitation",
        "to_address": f"head{number}@wingfield-academy.example",
        "to_name": "Alex Morgan",
        "subject": "Children's services: your organisation's view is requested",
        "text": "Dear Alex Morgan,\n\nPlease reply.",
        "html": "<p>Dear Alex Morgan,</p><p>Please reply.</p>",
    }
    message = services.store_message(**{**defaults, **fields})
    db.session.commit()
    return message


def reload(message):
    db.session.expire_all()
    return db.session.get(Message, message.id)


def test_a_stored_message_is_sent_with_both_bodies_and_a_derived_message_id(smtp_app, smtp_server):
    message = queue()

    deliver_messages([message.id])

    [received] = smtp_server.inbox.to("head1@wingfield-academy.example")
    assert received["Subject"] == message.subject
    assert received["To"] == "Alex Morgan <head1@wingfield-academy.example>"
    assert received["From"] == "consult@council.example"
    assert received["Reply-To"] == "chief.executive@council.example"
    assert "Please reply." in text_of(received)
    assert "<p>Please reply.</p>" in html_of(received)
    sent = reload(message)
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1
    assert received["Message-ID"] == message_id_header(
        sent.id, sent.purpose, "consult@council.example"
    )
    assert received["Message-ID"].startswith(f"<consult.{sent.id}.")


def test_the_partners_token_goes_only_into_the_email_never_into_the_database(smtp_app, smtp_server):
    token = "T0ken-for-this-test-only-xxxxxxxxxxxxxxxxxxx"
    placeholder_url = partner_link_url(LINK_PLACEHOLDER)
    message = queue(
        text=f"Reply here: {placeholder_url}",
        html=f'<a href="{placeholder_url}">Reply</a>',
        token=token,
    )
    assert token not in (message.sealed_link or "")

    deliver_messages([message.id])

    [received] = smtp_server.inbox.to("head1@wingfield-academy.example")
    assert f"Reply here: https://consult.council.example/r/{token}" in text_of(received)
    assert f'href="https://consult.council.example/r/{token}"' in html_of(received)
    stored = reload(message)
    assert token not in stored.body_text and token not in stored.body_html
    assert stored.sealed_link is None


def test_delivering_the_same_message_twice_sends_it_once(smtp_app, smtp_server):
    message = queue()

    deliver_messages([message.id])
    deliver_messages([message.id])

    assert len(smtp_server.inbox.messages) == 1


def test_a_batch_goes_over_one_connection(smtp_app, smtp_server):
    messages = [queue(number) for number in range(5)]

    deliver_messages([m.id for m in messages])

    assert len(smtp_server.inbox.messages) == 5
    assert all(reload(m).status == "sent" for m in messages)


def test_a_dead_mail_server_delays_mail_with_a_growing_wait_and_loses_nothing(
    smtp_app, smtp_server
):
    first, second = queue(1), queue(2)
    smtp_server.stop()

    deliver_messages([first.id, second.id])

    waiting = reload(first)
    assert waiting.status == "queued" and waiting.attempts == 1
    assert "Could not reach the mail server" in waiting.last_error
    assert waiting.next_attempt_at > utcnow() + timedelta(seconds=30)
    # The rest of the batch was not tried against a dead server, and is still queued.
    assert reload(second).status == "queued" and reload(second).attempts == 0

    smtp_server.start()
    waiting.next_attempt_at = utcnow()
    db.session.commit()
    deliver_messages([first.id, second.id])

    assert reload(first).status == reload(second).status == "sent"
    assert len(smtp_server.inbox.messages) == 2


def test_a_refused_address_fails_for_good_with_the_reason(smtp_app, smtp_server):
    smtp_server.inbox.refuse["head1@wingfield-academy.example"] = "550 5.1.1 No such user"
    message = queue()

    deliver_messages([message.id])

    failed = reload(message)
    assert failed.status == "failed" and failed.failed_at is not None
    assert "550" in failed.last_error and "No such user" in failed.last_error


def test_a_4xx_refusal_is_tried_again_later(smtp_app, smtp_server):
    smtp_server.inbox.refuse["head1@wingfield-academy.example"] = "450 4.2.1 Mailbox busy"
    message = queue()

    deliver_messages([message.id])

    assert reload(message).status == "queued"
    assert "450" in reload(message).last_error


def test_after_the_last_attempt_a_message_the_server_keeps_putting_off_fails_saying_so(
    smtp_app, smtp_server
):
    smtp_app.config["MAIL_MAX_ATTEMPTS"] = 2
    smtp_server.inbox.refuse["head1@wingfield-academy.example"] = "450 4.2.1 Mailbox busy"
    message = queue()

    deliver_messages([message.id])
    waiting = reload(message)
    waiting.next_attempt_at = utcnow()
    db.session.commit()
    deliver_messages([message.id])

    failed = reload(message)
    assert failed.status == "failed" and failed.attempts == 2
    assert failed.last_error.startswith("Gave up after 2 attempts.")
    assert "450" in failed.last_error


def test_a_mail_server_that_stays_away_delays_a_message_however_long_and_never_fails_it(
    smtp_app, smtp_server
):
    smtp_app.config["MAIL_MAX_ATTEMPTS"] = 2
    message = queue()
    smtp_server.stop()

    for _attempt in range(5):
        deliver_messages([message.id])
        waiting = reload(message)
        waiting.next_attempt_at = utcnow()
        db.session.commit()

    waiting = reload(message)
    assert waiting.status == "queued" and waiting.attempts == 5
    assert "Could not reach the mail server" in waiting.last_error
    smtp_server.start()
    deliver_messages([message.id])
    assert reload(message).status == "sent"


def test_the_wait_between_attempts_grows_and_is_capped(app):
    config = {"MAIL_RETRY_BASE_SECONDS": 60, "MAIL_RETRY_MAX_SECONDS": 3600}
    waits = [delivery.retry_delay(n, config).total_seconds() for n in range(1, 10)]

    assert 45 <= waits[0] <= 75
    assert 90 <= waits[1] <= 150
    assert all(wait <= 3600 * 1.25 for wait in waits)
    assert waits[8] >= 3600 * 0.75


def test_a_subject_or_name_with_a_line_break_is_refused_before_anything_is_stored(app):
    with pytest.raises(HeaderError):
        queue(subject="Hello\r\nBcc: everyone@council.example")
    with pytest.raises(HeaderError):
        queue(2, to_name="Alex\nBcc: x@y.example")
    db.session.rollback()

    assert db.session.scalar(select(Message)) is None


def test_storing_the_same_purpose_twice_keeps_one_message(app):
    first = queue()
    second = queue()

    assert first.id == second.id
    assert db.session.scalar(select(db.func.count(Message.id))) == 1


def test_a_message_left_sending_by_a_lost_worker_goes_back_to_the_queue(app):
    message = queue()
    assert delivery.claim_batch([message.id]) == [message.id]
    db.session.commit()
    stuck = reload(message)
    stuck.sending_started_at = utcnow() - timedelta(minutes=30)
    db.session.commit()

    released = services.release_stuck_messages(timedelta(minutes=10))
    db.session.commit()

    assert released == 1
    assert reload(message).status == "queued"


def test_a_message_still_being_sent_is_left_alone(app):
    message = queue()
    assert delivery.claim_batch([message.id]) == [message.id]
    db.session.commit()

    assert services.release_stuck_messages(timedelta(minutes=10)) == 0


def test_the_dispatch_keeps_to_the_send_rate(app):
    for number in range(100):
        queue(number)
    now = utcnow()

    first = services.plan_dispatch(rate_per_minute=30, batch_size=10, now=now)
    db.session.commit()
    again = services.plan_dispatch(
        rate_per_minute=30, batch_size=10, now=now + timedelta(seconds=1)
    )
    db.session.commit()
    a_minute_on = services.plan_dispatch(30, 10, now=now + timedelta(seconds=61))
    db.session.commit()

    assert [len(batch) for batch in first] == [10, 10, 10]
    assert sum(len(batch) for batch in again) == 0  # half a token: nothing yet
    assert sum(len(batch) for batch in a_minute_on) == 30
    handed_out = {i for batches in (first, a_minute_on) for batch in batches for i in batch}
    assert len(handed_out) == 60


def test_a_message_handed_out_is_not_handed_out_again_until_its_task_is_overdue(app):
    message = queue()
    now = utcnow()

    assert services.plan_dispatch(600, 10, now=now) == [[message.id]]
    db.session.commit()
    assert services.plan_dispatch(600, 10, now=now + timedelta(minutes=1)) == []
    db.session.commit()
    assert services.plan_dispatch(600, 10, now=now + timedelta(minutes=6)) == [[message.id]]


def issued_invitations(count=1):
    from consult.issuing import services as issuing
    from tests import factories

    officer = factories.create_user("officer")
    organisations = [factories.create_organisation() for _ in range(count)]
    consultation = factories.create_ready_consultation(officer, organisations)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    return db.session.scalars(
        select(Message).where(Message.kind == "invitation").order_by(Message.id)
    ).all()


def sent_events():
    from consult.audit.models import AuditEvent

    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sent")).all()


def test_a_batch_records_each_send_as_an_audit_event_and_its_request_as_sent(smtp_app, smtp_server):
    messages = issued_invitations(3)

    deliver_messages([m.id for m in messages])

    events = sent_events()
    assert sorted(event.details["message_id"] for event in events) == [m.id for m in messages]
    assert all(reload(m).request.status == "sent" for m in messages)
    assert all(reload(m).sent_recorded_at is not None for m in messages)


def test_a_send_whose_worker_stopped_before_recording_it_is_recorded_by_the_sweep_once(app):
    from worker.tasks.correspondence import sweep_outbox

    [message] = issued_invitations()
    # What a worker killed between the mail server's "250" and the record leaves behind.
    assert delivery.claim_batch([message.id]) == [message.id]
    db.session.commit()
    with delivery.sent_log() as connection:
        delivery.mark_sent(connection, message.id, now=utcnow() - timedelta(minutes=30))
    assert sent_events() == [] and reload(message).request.status == "issued"

    sweep_outbox()
    sweep_outbox()

    [event] = sent_events()
    assert event.details["message_id"] == message.id
    assert reload(message).request.status == "sent"


def test_a_send_just_made_is_left_for_its_own_worker_to_record(app):
    [message] = issued_invitations()
    delivery.claim_batch([message.id])
    db.session.commit()
    with delivery.sent_log() as connection:
        delivery.mark_sent(connection, message.id)

    assert delivery.fetch_unrecorded_sends(timedelta(minutes=10)) == []


def test_an_unexpected_error_mid_batch_keeps_the_message_in_flight_and_puts_back_the_rest(
    smtp_app, smtp_server, monkeypatch
):
    first, second, third = (queue(number) for number in range(3))
    build = transport.build_mail

    def build_or_break(message):
        if message.id == second.id:
            raise RuntimeError("a bug, not a mail server")
        return build(message)

    monkeypatch.setattr(transport, "build_mail", build_or_break)

    with pytest.raises(RuntimeError):
        deliver_messages([first.id, second.id, third.id])

    assert reload(first).status == "sent"
    # Whether it reached the server is unknown: the sweep sends it again after the timeout.
    assert reload(second).status == "sending"
    assert reload(third).status == "queued" and reload(third).attempts == 0
    assert len(smtp_server.inbox.messages) == 1


def test_a_reminder_answered_since_it_was_stored_is_cancelled_not_sent(smtp_app, smtp_server):
    from consult.requests.models import Request

    [invitation] = issued_invitations()
    request = db.session.get(Request, invitation.request_id)
    reminder = queue(9, kind="reminder", request_id=request.id)
    request.status = "responded"
    db.session.commit()

    deliver_messages([reminder.id])

    cancelled = reload(reminder)
    assert cancelled.status == "cancelled"
    assert cancelled.last_error == "Not sent: the request is responded"
    assert smtp_server.inbox.messages == []


def test_names_and_subjects_beyond_plain_ascii_arrive_as_they_were_written(smtp_app, smtp_server):
    subject = "Children\u2019s services – your organisation\u2019s view is requested"
    message = queue(
        to_name="Siân Ó Dálaigh, Ysgol Gymraeg",
        subject=subject,
        text="Diolch – thank you.\n\nThe council",
        html="",
    )

    deliver_messages([message.id])

    [received] = smtp_server.inbox.messages
    _recipients, mail = received
    assert mail["To"] == '"Siân Ó Dálaigh, Ysgol Gymraeg" <head1@wingfield-academy.example>'
    assert mail["Subject"] == subject
    assert text_of(mail).replace("\r\n", "\n").strip() == "Diolch – thank you.\n\nThe council"
    assert not mail.defects
    # Headers stay ASCII on the wire (RFC 2047); only the body is 8-bit UTF-8.
    assert all(str(value).isascii() for value in mail.raw_items() for value in value)


def test_a_paragraph_longer_than_an_smtp_line_arrives_whole(smtp_app, smtp_server):
    # A partner's reply written as one long paragraph, copied into their acknowledgement:
    # the test mail server, like many, refuses a line over 998 octets.
    paragraph = "We support the preferred option, with these reservations – " + "ó" * 1500
    message = queue(text=f"Your words:\n\n{paragraph}\n", html=f"<p>{paragraph}</p>")

    deliver_messages([message.id])

    assert reload(message).status == "sent", reload(message).last_error
    [(_recipients, mail)] = smtp_server.inbox.messages
    assert paragraph in text_of(mail)
    assert paragraph in html_of(mail)
