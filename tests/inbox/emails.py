"""Real-shaped emails as they arrive in the council's reply mailbox, with Consult's own
Message-ID put in where the fixture says MESSAGE-ID-OF-OURS."""

import re
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from consult.correspondence.models import Message
from consult.correspondence.wire import message_id_header
from consult.db import utcnow
from consult.extensions import db

HERE = Path(__file__).parent / "emails"
RECORD = Path(__file__).parents[1] / "record" / "emails"
OURS = "MESSAGE-ID-OF-OURS"


def fixture(name, ours="<consult.1.0000000000aaaaaaaaaa@council.example>"):
    return (HERE / name).read_bytes().replace(OURS.encode(), ours.encode())


def outlook_reply(*, sender="Pat Lee <head@wales.example>", ours=None, message_id=None):
    """The Outlook reply of the record tests, from ``sender``, answering ``ours`` (or
    answering nothing of Consult's), dated now so a consultation issued today takes it."""
    raw = (RECORD / "outlook_reply.eml").read_bytes()
    raw = raw.replace(b"From: Pat Lee <head@wales.example>", f"From: {sender}".encode())
    raw = re.sub(rb"Date: [^\r\n]+", f"Date: {format_datetime(utcnow())}".encode(), raw, count=1)
    raw = re.sub(
        rb"Message-ID: [^\r\n]+",
        f"Message-ID: {message_id or make_msgid(domain='outlook.example')}".encode(),
        raw,
        count=1,
    )
    # Answering nothing: the two headers go with their line ending, so that no blank line
    # ends the headers early.
    replaced = f"In-Reply-To: {ours}\nReferences: {ours}\n" if ours else ""
    return re.sub(
        rb"In-Reply-To: [^\r\n]+\r?\nReferences: [^\r\n]+\r?\n", replaced.encode(), raw, count=1
    )


def ours(request):
    """The Message-ID of the invitation Consult sent for ``request``."""
    message = db.session.scalar(select(Message).where(Message.request_id == request.id))
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return message_id_header(message.id, message.purpose, sender)
