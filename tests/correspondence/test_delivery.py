"""Delivering stored messages to a real SMTP server, and what happens when it fails."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.correspondence import delivery, services
from consult.correspondence.emails import HeaderError, partner_link_url
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.db import utcnow
from consult.extensions import db
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
    assert received["Message-ID"] == delivery.message_id_header(sent)
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


def test_after_the_last_attempt_a_message_fails_saying_so(smtp_app, smtp_server):
    smtp_app.config["MAIL_MAX_ATTEMPTS"] = 2
    message = queue()
    smtp_server.stop()

    deliver_messages([message.id])
    waiting = reload(message)
    waiting.next_attempt_at = utcnow()
    db.session.commit()
    deliver_messages([message.id])

    failed = reload(message)
    assert failed.status == "failed" and failed.attempts == 2
    assert failed.last_error.startswith("Gave up after 2 attempts.")


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
    assert delivery.claim(message.id)
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
    assert delivery.claim(message.id)
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
