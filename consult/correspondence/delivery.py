"""Sending stored messages: claim, send over one connection per batch, record the outcome.

A message is claimed (``queued`` to ``sending``, only if still queued) and the claim
committed before the mail server is spoken to, so two workers never send the same
message. A temporary failure (no connection, a time-out, a 4xx reply) puts it back in the
queue with a growing, jittered wait stored in ``next_attempt_at``; a permanent one (a 5xx
reply, a rejected address) or too many attempts marks it failed with the reason.
"""

import contextlib
import hashlib
import random
import smtplib
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import flask_mail
from flask import current_app
from sqlalchemy import select, update

from consult.audit import services as audit
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.correspondence.sealing import SealError, unseal
from consult.db import utcnow
from consult.extensions import db
from consult.issuing.models import OUTSTANDING_STATES, Request

INVITATION_KINDS = ("invitation", "link_resent")


class TemporaryFailure(Exception):
    """Try again later. ``connection_lost`` means the rest of the batch should wait too."""

    def __init__(self, reason, connection_lost=False):
        super().__init__(reason)
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    """Sending again would not help: the address or the message is refused."""


def claim(message_id, now=None):
    """Mark the message as being sent by this worker; False if it is not ours to send."""
    now = now or utcnow()
    result = db.session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.status == "queued",
            Message.next_attempt_at <= now,
        )
        .values(status="sending", sending_started_at=now, attempts=Message.attempts + 1)
    )
    return result.rowcount == 1


def cancel_if_no_longer_wanted(message, now=None):
    """A reminder whose request has been answered, declined or withdrawn since it was
    stored is not sent: True (and the message cancelled) in that case."""
    if message.kind != "reminder" or message.request_id is None:
        return False
    request = db.session.get(Request, message.request_id)
    consultation = request.consultation
    if request.status in OUTSTANDING_STATES and consultation.state == "open":
        return False
    message.status = "cancelled"
    message.sealed_link = None
    message.last_error = (
        f"Not sent: the request is {request.status}"
        if request.status not in OUTSTANDING_STATES
        else "Not sent: the consultation is closed"
    )
    return True


def retry_delay(attempts, config):
    """Exponential back-off with jitter: about base x 2^(attempts-1), capped."""
    base = config["MAIL_RETRY_BASE_SECONDS"]
    cap = config["MAIL_RETRY_MAX_SECONDS"]
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.75, 1.25))  # noqa: S311 (jitter)


def message_id_header(message):
    """A Message-ID derived from the message, the same on every attempt, so a receiver
    (or we) can recognise a duplicate."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"] or "consult@localhost"
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(message.purpose.encode()).hexdigest()[:20]
    return f"<consult.{message.id}.{digest}@{domain}>"


def build_mail(message):
    """The Flask-Mail message to send, with the partner's link put back in."""
    text, html = message.body_text, message.body_html
    if message.sealed_link:
        try:
            token = unseal(message.sealed_link)
        except SealError as error:
            raise PermanentFailure(str(error)) from None
        # The stored bodies name LINK_PLACEHOLDER where the secret goes: in a partner's
        # link, or in an account invitation's set-password address.
        text = text.replace(LINK_PLACEHOLDER, token)
        html = html.replace(LINK_PLACEHOLDER, token)
    config = current_app.config
    mail = flask_mail.Message(
        subject=message.subject,
        sender=config["MAIL_DEFAULT_SENDER"],
        recipients=[_addressee(message)],
        body=text,
        html=html or None,
        reply_to=config["MAIL_REPLY_TO"],
    )
    mail.msgId = message_id_header(message)
    if mail.has_bad_headers():
        raise PermanentFailure("A header of this message holds a line break")
    return mail


def _addressee(message):
    return (message.to_name, message.to_address) if message.to_name else message.to_address


def classify(error):
    """Turn what the mail server or the network said into a temporary or permanent failure."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        reply = "; ".join(f"{code} {text!r}" for code, text in error.recipients.values())
        if codes and all(code >= 500 for code in codes):
            return PermanentFailure(f"The address was refused: {reply}")
        return TemporaryFailure(f"The address was refused for now: {reply}")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"The mail server disconnected: {error}", connection_lost=True)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = f"{error.smtp_code} {error.smtp_error!r}"
        if error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError):
            return PermanentFailure(f"The mail server refused the message: {reply}")
        return TemporaryFailure(f"The mail server said: {reply}", connection_lost=True)
    if isinstance(error, OSError | smtplib.SMTPException):
        return TemporaryFailure(f"Could not reach the mail server: {error!r}", connection_lost=True)
    return None


class SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection, with a time-out so a silent server cannot hang a worker."""

    def configure_host(self):
        state = self.mail
        timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
        if state.use_ssl:
            host = smtplib.SMTP_SSL(state.server, state.port, timeout=timeout)
        else:
            host = smtplib.SMTP(state.server, state.port, timeout=timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class MailboxConnection:
    """Development: each message is written to a file the mailbox page reads."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return False

    def send(self, mail, message):
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{message.id}.eml"
        (self.directory / name).write_bytes(mail.as_bytes())


class Sender:
    """One connection to the mail server for a batch, opened when first needed."""

    def __init__(self):
        self.connection = None

    def send(self, message):
        mail = build_mail(message)
        config = current_app.config
        if self.connection is None:
            if config["MAIL_BACKEND"] == "mailbox":
                self.connection = MailboxConnection(config["MAILBOX_DIR"]).__enter__()
            else:
                self.connection = SMTPConnection(current_app.extensions["mail"]).__enter__()
        if isinstance(self.connection, MailboxConnection):
            self.connection.send(mail, message)
        else:
            self.connection.send(mail)

    def close(self):
        connection, self.connection = self.connection, None
        if connection is None:
            return
        # If the server went away, the messages are already recorded: nothing to do.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.__exit__(None, None, None)


def send_claimed(message, sender):
    """Send one claimed message. Raises TemporaryFailure or PermanentFailure."""
    try:
        sender.send(message)
    except (TemporaryFailure, PermanentFailure):
        raise
    except Exception as error:
        failure = classify(error)
        if failure is None:
            raise
        raise failure from error


def record_sent(message, now=None):
    now = now or utcnow()
    message.status = "sent"
    message.sent_at = now
    message.sealed_link = None
    message.last_error = ""
    if message.request_id is not None:
        request = db.session.get(Request, message.request_id)
        audit.record(
            "sent",
            request=request,
            message_id=message.id,
            kind=message.kind,
        )
        if message.kind in INVITATION_KINDS and request.status in ("issued", "failed"):
            request.status = "sent"


def record_failure(message, failure, config, now=None):
    """Back to the queue with a wait, or failed for good; the reason is kept either way."""
    now = now or utcnow()
    message.last_error = str(failure)
    if isinstance(failure, TemporaryFailure) and message.attempts < config["MAIL_MAX_ATTEMPTS"]:
        message.status = "queued"
        message.next_attempt_at = now + retry_delay(message.attempts, config)
        message.enqueued_at = None
        return
    if isinstance(failure, TemporaryFailure):
        message.last_error = f"Gave up after {message.attempts} attempts. {failure}"
    message.status = "failed"
    message.failed_at = now
    message.sealed_link = None
    if message.kind in INVITATION_KINDS and message.request_id is not None:
        _mark_request_failed_if_nothing_else_can_reach_it(message)


def _mark_request_failed_if_nothing_else_can_reach_it(message):
    request = db.session.get(Request, message.request_id)
    if request.status != "issued":
        return
    others = db.session.scalar(
        select(db.func.count(Message.id)).where(
            Message.request_id == request.id,
            Message.kind.in_(INVITATION_KINDS),
            Message.status != "failed",
            Message.id != message.id,
        )
    )
    if not others:
        request.status = "failed"
        audit.record("invitation failed", request=request, reason=message.last_error)
