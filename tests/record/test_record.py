"""Replies that arrive off-system: keyed in by hand, or dropped in as a saved email (its
two steps, the check page and the split: tests/record/test_email_split.py)."""

import io
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.dates import london_datetime
from consult.extensions import db
from consult.files.models import StoredFile
from consult.issuing import services as issuing
from consult.record.saved_emails import EmailFileError, read_email_file
from consult.requests.models import Request
from consult.respond.models import Response
from tests import factories
from tests.files.samples import EXE_BYTES, pdf_bytes
from tests.record.test_email_split import drop

SENT = datetime(2017, 4, 3, 16, 42, tzinfo=UTC)


def eml_bytes(sender="Pat Lee <head@wales.example>", html=False, attach=True, date=True):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "consultation@council.example"
    message["Subject"] = "Re: Children's services: your view"
    if date:
        message["Date"] = "Mon, 03 Apr 2017 17:42:00 +0100"
    if html:
        message.set_content(
            "<html><head><style>p{}</style></head><body><p>Dear Chief Executive,</p>"
            "<p>We <b>support</b> the preferred option.</p></body></html>",
            subtype="html",
        )
    else:
        message.set_content("Dear Chief Executive,\n\nWe support the preferred option.\n")
    if attach:
        message.add_attachment(
            pdf_bytes(), maintype="application", subtype="pdf", filename="our letter.pdf"
        )
    return message.as_bytes()


def msg_bytes(tmp_path, sender="head@wales.example"):
    from aspose.email_foss import msg

    message = msg.MapiMessage.create(
        "Re: Children's services: your view",
        "Dear Chief Executive,\n\nWe support the preferred option, with reservations.\n",
    )
    message.set_property(msg.PropertyId.SENDER_NAME, "Pat Lee")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, sender)
    message.set_property(msg.PropertyId.MESSAGE_DELIVERY_TIME, SENT)
    message.add_recipient("consultation@council.example", display_name="Consultation")
    message.add_attachment("letter.pdf", pdf_bytes(), mime_type="application/pdf")
    path = tmp_path / "reply.msg"
    message.save(str(path))
    return path.read_bytes()


# Reading saved emails


def test_an_eml_file_is_read():
    received = read_email_file(eml_bytes())
    assert (received.sender_name, received.sender_address) == ("Pat Lee", "head@wales.example")
    assert received.sent_at == SENT
    assert received.subject == "Re: Children's services: your view"
    assert received.text == "Dear Chief Executive,\n\nWe support the preferred option."
    [(filename, data)] = received.attachments
    assert filename == "our letter.pdf" and data.startswith(b"%PDF-")


def test_an_html_only_email_is_read_as_text():
    received = read_email_file(eml_bytes(html=True, attach=False))
    assert received.text == "Dear Chief Executive,\n\nWe support the preferred option."


def test_an_outlook_msg_file_is_read(tmp_path):
    received = read_email_file(msg_bytes(tmp_path))
    assert received.sender_address == "head@wales.example"
    assert received.sender_name == "Pat Lee"
    assert received.sent_at == SENT
    assert "with reservations" in received.text
    assert received.attachments[0][0] == "letter.pdf"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "must be an email"),
        (b"Just some notes about the meeting.\n", "must be an email"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "could not be read"),
        (b"x" * (10 * 1024 * 1024 + 1), "smaller than 10MB"),
    ],
)
def test_a_file_that_is_not_an_email_says_so(data, message):
    with pytest.raises(EmailFileError, match=message):
        read_email_file(data)


# Recording


@pytest.fixture
def issued(app):
    officer = factories.create_user("officer")
    schools = [
        factories.create_organisation("Wales High School", contact_email="head@wales.example"),
        factories.create_organisation("Wingfield Academy", contact_email="head@wingfield.example"),
    ]
    # As in 2017: letters out on 23 March, replies by 7 April.
    consultation = factories.create_ready_consultation(
        officer, schools, deadline=london_datetime(2017, 4, 7, 17)
    )
    issuing.issue(consultation, by=officer, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    requests = {
        request.organisation.name: request
        for request in db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id)
        )
    }
    return consultation, requests


def by_hand(**fields):
    return {
        "received_on": ["3", "4", "2017"],
        "channel": "post",
        "stance": "supports",
        "comments": "We support the preferred option.",
        "responder_name": "Pat Lee",
        "responder_role": "Headteacher",
        "publication": "publish",
        "alternative_option": "0",
        **fields,
    }


def test_an_officer_keys_in_a_reply_received_by_post(issued, client, sign_in):
    consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer", email="keyer@council.example")

    data = by_hand(letter=(io.BytesIO(pdf_bytes()), "letter.pdf"))
    response = client.post(
        f"/requests/{request.id}/record-reply", data=data, content_type="multipart/form-data"
    )

    assert response.status_code == 302
    reply = db.session.scalar(select(Response).where(Response.request_id == request.id))
    assert (reply.channel, reply.stance, reply.version) == ("post", "supports", 1)
    assert reply.entered_by.email == "keyer@council.example"
    assert reply.received_at.date().isoformat() == "2017-04-03"
    assert reply.letter_file.original_filename == "letter.pdf"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reply keyed in"))
    assert event.details["channel"] == "post" and event.request_id == request.id

    page = client.get(f"/consultations/{consultation.id}/responses").get_data(as_text=True)
    assert "keyed in by" in page

    again = client.post(
        f"/requests/{request.id}/record-reply",
        data=by_hand(stance="does_not_support", channel="meeting"),
    )
    assert again.status_code == 302
    versions = db.session.scalars(
        select(Response).where(Response.request_id == request.id).order_by(Response.version)
    ).all()
    assert [(v.version, v.stance) for v in versions] == [(1, "supports"), (2, "does_not_support")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"received_on": ["3", "4", "2099"]}, "today or in the past"),
        ({"received_on": ["31", "2", "2017"]}, "Not a valid date value"),
        ({"stance": "prefers_another_option"}, "Choose the option they prefer instead"),
        ({"stance": ""}, "Choose the organisation"),
        ({"channel": "web"}, "Not a valid choice"),
        ({"letter": EXE_BYTES}, "must be a PDF or Word file"),
    ],
)
def test_a_bad_keyed_in_reply_is_refused_and_nothing_saved(
    issued, client, sign_in, fields, message
):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    if "letter" in fields:
        fields = {**fields, "letter": (io.BytesIO(fields["letter"]), "letter.pdf")}
    response = client.post(
        f"/requests/{request.id}/record-reply",
        data=by_hand(**fields),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_a_saved_email_is_matched_to_its_request_by_the_sender(issued, client, sign_in, tmp_path):
    consultation, requests = issued
    sign_in("officer")

    response = drop(client, f"/consultations/{consultation.id}/record-email", eml_bytes())

    assert response.status_code == 302
    reply = db.session.scalar(select(Response))
    assert reply.request_id == requests["Wales High School"].id
    assert reply.channel == "email" and reply.received_at == SENT
    assert reply.comments == "Dear Chief Executive,\n\nWe support the preferred option."
    assert reply.responder_name == "Pat Lee"
    assert reply.letter_file.original_filename == "our letter.pdf"

    outlook = drop(
        client,
        f"/requests/{requests['Wales High School'].id}/record-email",
        msg_bytes(tmp_path),
        filename="reply.msg",
        stance="supports_with_reservations",
    )
    assert outlook.status_code == 302
    assert db.session.scalar(select(func.max(Response.version))) == 2


def test_an_unknown_sender_is_chosen_by_hand(issued, client, sign_in):
    consultation, requests = issued
    sign_in("officer")
    stranger = eml_bytes(sender="Sam <sam@elsewhere.example>")

    unknown = drop(client, f"/consultations/{consultation.id}/record-email", stranger)
    assert unknown.status_code == 400
    assert "sam@elsewhere.example is not the address of any partner" in unknown.get_data(
        as_text=True
    )
    wingfield = requests["Wingfield Academy"]
    chosen = drop(
        client,
        f"/consultations/{consultation.id}/record-email",
        stranger,
        request_id=str(wingfield.id),
    )
    assert chosen.status_code == 302
    assert db.session.scalar(select(Response.request_id)) == wingfield.id

    at_request = drop(client, f"/requests/{wingfield.id}/record-email", stranger)
    assert at_request.status_code == 400
    assert "Choose who sent it" in at_request.get_data(as_text=True)
    contact = wingfield.links[0].contact
    picked = drop(
        client, f"/requests/{wingfield.id}/record-email", stranger, contact_id=str(contact.id)
    )
    assert picked.status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "must be an email"),
        (b"", "Select the saved email"),
    ],
)
def test_a_bad_email_file_is_a_400(issued, client, sign_in, data, message):
    consultation, _requests = issued
    sign_in("officer")
    response = drop(
        client,
        f"/consultations/{consultation.id}/record-email",
        data,
        filename="reply.eml" if data else "",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_an_email_without_a_date_is_keyed_in_by_hand(issued, client, sign_in):
    consultation, _requests = issued
    sign_in("officer")
    response = drop(client, f"/consultations/{consultation.id}/record-email", eml_bytes(date=False))
    assert response.status_code == 400
    assert "no date" in response.get_data(as_text=True)


def test_a_reply_dated_before_the_consultation_was_issued_is_refused(issued, client, sign_in):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")

    response = client.post(
        f"/requests/{request.id}/record-reply", data=by_hand(received_on=["22", "3", "2017"])
    )

    assert response.status_code == 400
    assert "The date received must be Thursday 23 March 2017 or later" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Response).where(Response.request_id == request.id)) is None
