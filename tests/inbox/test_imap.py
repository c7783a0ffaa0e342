"""The reply mailbox read for real: Dovecot over IMAP, and Postfix's own non-delivery
reports. Each message is stored once, acknowledged only after it is stored, and a server
that goes away mid-poll loses nothing."""

import pytest
from sqlalchemy import func, select

from consult.correspondence.models import Message
from consult.extensions import db
from consult.inbox import filing, imap
from consult.inbox.models import Arrival
from consult.requests.models import Request
from tests.inbox.emails import fixture, ours, outlook_reply
from tests.mail_servers import send
from worker.tasks.correspondence import deliver_messages

REPLIES = "replies@council.example"


@pytest.fixture
def reading(app, mailbox):
    app.config.update(
        IMAP_HOST=mailbox.host,
        IMAP_PORT=mailbox.port,
        IMAP_SSL=False,
        IMAP_USERNAME=mailbox.user,
        IMAP_PASSWORD=mailbox.password,
        IMAP_BATCH_SIZE=2,
        MAIL_TIMEOUT_SECONDS=5,
    )
    return app.config


def arrivals():
    db.session.rollback()
    return db.session.scalars(select(Arrival).order_by(Arrival.uid)).all()


def strangers(count, start=0):
    return [
        outlook_reply(
            sender=f"Governor {n} <governor{n}@governors.example>",
            message_id=f"<governor.{n}@governors.example>",
        )
        for n in range(start, start + count)
    ]


def test_the_mailbox_is_stored_filed_and_flagged_once(issued, reading, mailbox):
    _, _, by_name = issued
    mailbox.append(outlook_reply(ours=ours(by_name["Wales High School"])))
    mailbox.append(
        fixture("exchange_out_of_office.eml", ours=ours(by_name["Cumbria Constabulary"]))
    )
    mailbox.append(fixture("exchange_ndr.eml", ours=ours(by_name["Old School"])))
    mailbox.append(strangers(1)[0])

    assert imap.read_mailbox(reading) == 4
    assert filing.file_waiting() == 4
    kinds = [(a.kind, a.matched_by) for a in arrivals()]
    assert kinds == [
        ("reply", "thread"),
        ("auto_reply", "thread"),
        ("bounce", "thread"),
        ("reply", None),
    ]
    for uid in mailbox.uids():
        assert {"\\Seen", "$ConsultFiled"} <= mailbox.flags(uid)
    # Read again, nothing is stored twice; a new message is.
    assert imap.read_mailbox(reading) == 0
    mailbox.append(strangers(1, start=1)[0])
    assert imap.read_mailbox(reading) == 1
    assert len(arrivals()) == 5


def test_a_copy_of_a_stored_message_is_not_stored_again(issued, reading, mailbox):
    [raw] = strangers(1)
    mailbox.append(raw)
    mailbox.append(raw)
    assert imap.read_mailbox(reading) == 1


def test_stored_messages_can_be_moved_out_of_the_inbox(issued, reading, mailbox):
    reading.update(IMAP_AFTER="move", IMAP_MOVE_TO="Filed by Consult")
    for raw in strangers(3):
        mailbox.append(raw)
    assert imap.read_mailbox(reading) == 3
    assert mailbox.uids() == []
    assert len(mailbox.uids("Filed by Consult")) == 3


def test_a_server_stopped_mid_poll_loses_nothing_and_stores_nothing_twice(
    issued,
    reading,
    mailbox,
):
    for raw in strangers(7):
        mailbox.append(raw)

    def stop_after_the_first_batch(stored, total):
        if stored == 2:
            mailbox.stop()

    with pytest.raises(imap.MailboxUnavailable, match=r"could not be reached|failed"):
        imap.read_mailbox(reading, on_batch=stop_after_the_first_batch)
    assert len(arrivals()) == 2  # the first batch, stored with its position
    mailbox.start()
    assert imap.read_mailbox(reading) == 5
    stored = arrivals()
    assert len(stored) == 7
    assert len({arrival.message_id for arrival in stored}) == 7


def test_a_refused_sign_in_says_so_and_stores_nothing(issued, reading, mailbox):
    reading.update(IMAP_PASSWORD="not the password")
    mailbox.append(strangers(1)[0])
    with pytest.raises(imap.MailboxUnavailable, match="refused Consult's sign-in"):
        imap.read_mailbox(reading)
    assert arrivals() == []


def test_the_task_notes_why_the_mailbox_could_not_be_read(issued, reading, mailbox):
    from worker.tasks.inbox import read_mailbox

    reading.update(IMAP_PORT=1)
    assert read_mailbox() == (0, 0)
    position = filing.mailbox_position(imap.mailbox_name(reading))
    assert "could not be reached" in position.last_error


# Through Postfix: real replies and real non-delivery reports


@pytest.fixture
def through_postfix(app, reading, postfix):
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER=postfix.host,
        MAIL_PORT=postfix.port,
        MAIL_DEFAULT_SENDER=REPLIES,
        MAIL_REPLY_TO=REPLIES,
        MAIL_TIMEOUT_SECONDS=10,
    )
    return postfix


def test_an_invitation_to_an_unknown_address_bounces_and_files_itself(
    app, through_postfix, mailbox
):
    from consult.issuing import services as issuing
    from tests import factories

    officer = factories.create_user("officer")
    gone = factories.create_organisation(
        "Fellside School", contact_email="head@unknown.partners.example"
    )
    here = factories.create_organisation("Wales High School", contact_email="head@partners.example")
    consultation = factories.create_ready_consultation(officer, [gone, here])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    deliver_messages(list(db.session.scalars(select(Message.id))))
    assert db.session.scalar(select(func.count(Message.id)).where(Message.status == "sent")) == 2

    through_postfix.wait_for_mail(1)
    assert imap.read_mailbox(app.config) == 1
    filing.file_waiting()
    [bounce] = arrivals()
    request = db.session.scalar(select(Request).where(Request.organisation_id == gone.id))
    assert (bounce.kind, bounce.request_id, bounce.matched_by) == ("bounce", request.id, "thread")
    [failure] = bounce.failures
    assert failure["status"] == "5.1.1" and failure["permanent"]
    message = db.session.scalar(select(Message).where(Message.request_id == request.id))
    assert message.status == "failed" and message.last_error.startswith("Bounced: 550 5.1.1")
    assert request.status == "failed"
    other = db.session.scalar(select(Request).where(Request.organisation_id == here.id))
    assert other.status == "sent"


def test_replies_sent_through_postfix_file_themselves(app, issued, through_postfix, mailbox):
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    send(
        through_postfix.host,
        through_postfix.port,
        outlook_reply(ours=ours(wales)),
        "head@wales.example",
        [REPLIES],
    )
    send(
        through_postfix.host,
        through_postfix.port,
        outlook_reply(sender="Jo Bloggs <business.manager@wales.example>"),
        "business.manager@wales.example",
        [REPLIES],
    )
    through_postfix.wait_for_mail(2)
    assert (
        imap.read_mailbox(through_postfix.dovecot and __import__("flask").current_app.config) == 2
    )
    filing.file_waiting()
    assert sorted((a.matched_by, a.request_id) for a in arrivals()) == [
        ("domain", wales.id),
        ("thread", wales.id),
    ]
