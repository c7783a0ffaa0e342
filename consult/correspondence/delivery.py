"""Sending stored messages: claim a batch, send over one connection, record each outcome.

A batch is claimed in one statement (``queued`` to ``sending``, only those still queued),
and the claim committed before the mail server is spoken to, so two workers never send
the same message. Each message is marked sent in its own short transaction the moment
the mail server takes it, so a worker killed mid-batch sends again at most the one
message in flight; what it had not yet tried waits in ``sending`` until the sweep puts it
back. The audit events and request statuses of a batch's sent messages are written
together afterwards (``record_sent``), and the sweep writes any a lost worker left.

A temporary failure (no connection, a time-out, a 4xx reply) puts a message back in the
queue with a growing, jittered wait stored in ``next_attempt_at``; a permanent one (a 5xx
reply, a rejected address), or a message the server has put off too often, is marked
failed with the reason. An unreachable server only ever delays mail.
"""

import contextlib
import functools
import hashlib
import random
import re
import secrets
import smtplib
from datetime import timedelta
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

import flask_mail
from flask import current_app
from sqlalchemy import bindparam, select, update

from consult.audit import services as audit
from consult.consultations.models import Consultation
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.correspondence.sealing import SealError, unseal
from consult.db import utcnow
from consult.extensions import db
from consult.issuing.models import OUTSTANDING_STATES, Request

INVITATION_KINDS = ("invitation", "link_resent")


class _SMTPWire(Compat32):
    """The email package's classic serialiser, with the CRLF line ends SMTP wants, that
    writes a short plain-ASCII header as it is instead of through an ``email.header.Header``
    (the same bytes, in a tenth of the time: most headers are such)."""

    def fold_binary(self, name, value):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + len(value) + 2 <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


SMTP_WIRE = _SMTPWire(linesep="\r\n", mangle_from_=False)
# Bodies go as UTF-8 unencoded ("8bit", which every mail server today takes); a body
# with a line longer than SMTP allows (998 octets: a long paragraph of a partner's reply,
# copied into their acknowledgement) goes quoted-printable, which wraps it.
UTF8_8BIT = Charset("utf-8")
UTF8_8BIT.body_encoding = None
UTF8_WRAPPED = Charset("utf-8")
UTF8_WRAPPED.body_encoding = QP
LONGEST_SMTP_LINE = 998


class TemporaryFailure(Exception):
    """Try again later. ``connection_lost`` means the rest of the batch should wait too."""

    def __init__(self, reason, connection_lost=False):
        super().__init__(reason)
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    """Sending again would not help: the address or the message is refused."""


def claim_batch(message_ids, now=None):
    """Mark these messages as being sent by this worker, in one statement. Returns the ids
    it got: those still queued and due (not sent, failed or claimed by another worker)."""
    if not message_ids:
        return []
    now = now or utcnow()
    claimed = db.session.scalars(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == "queued",
            Message.next_attempt_at <= now,
        )
        .values(status="sending", sending_started_at=now, attempts=Message.attempts + 1)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def fetch_claimed(message_ids):
    """The claimed messages as plain rows, in id order: read once, and unchanged by the
    commits that follow each send."""
    return db.session.execute(
        select(Message.__table__).where(Message.id.in_(message_ids)).order_by(Message.id)
    ).all()


def cancel_unwanted(messages):
    """Reminders whose request has been answered, declined or withdrawn, or whose
    consultation has closed, since they were stored are not sent: they are cancelled, with
    the reason. Returns their ids."""
    request_ids = {m.request_id for m in messages if m.kind == "reminder" and m.request_id}
    if not request_ids:
        return set()
    states = {
        request_id: (status, consultation_state)
        for request_id, status, consultation_state in db.session.execute(
            select(Request.id, Request.status, Consultation.state)
            .join(Consultation, Consultation.id == Request.consultation_id)
            .where(Request.id.in_(request_ids))
        )
    }
    cancelled = set()
    for message in messages:
        if message.kind != "reminder" or message.request_id not in states:
            continue
        status, consultation_state = states[message.request_id]
        if status in OUTSTANDING_STATES and consultation_state == "open":
            continue
        reason = (
            f"Not sent: the request is {status}"
            if status not in OUTSTANDING_STATES
            else "Not sent: the consultation is closed"
        )
        db.session.execute(
            update(Message)
            .where(Message.id == message.id, Message.status == "sending")
            .values(status="cancelled", sealed_link=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
        cancelled.add(message.id)
    return cancelled


def release_untried(message_ids):
    """Put claimed messages this worker did not try back in the queue, as they were: the
    attempt is not counted, and the sweep hands them out again in its own time."""
    if message_ids:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(message_ids), Message.status == "sending")
            .values(status="queued", attempts=Message.attempts - 1, sending_started_at=None)
            .execution_options(synchronize_session=False)
        )


def retry_delay(attempts, config):
    """Exponential back-off with jitter: about base x 2^(attempts-1), capped."""
    base = config["MAIL_RETRY_BASE_SECONDS"]
    cap = config["MAIL_RETRY_MAX_SECONDS"]
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.75, 1.25))  # noqa: S311 (jitter)


def message_id_header(message):
    """A Message-ID derived from the message, the same on every attempt, so a receiver
    (or we) can recognise a duplicate."""
    domain = _domain_of(current_app.config["MAIL_DEFAULT_SENDER"] or "consult@localhost")
    digest = hashlib.sha256(message.purpose.encode()).hexdigest()[:20]
    return f"<consult.{message.id}.{digest}@{domain}>"


class OutgoingMail(flask_mail.Message):
    """Flask-Mail's message, as Consult sends it: a plain-text and an HTML version of the
    same words, to one recipient, with no attachments.

    Flask-Mail writes a message with ``policy.SMTP``, which parses every header again on
    the way out: that took two thirds of the time of sending to a local mail server.
    ``_message`` builds the same message for the email package's classic serialiser (a
    name or subject that is not plain ASCII encoded as RFC 2047 asks). ``as_bytes`` writes
    those very bytes itself for the usual email, whose every line fits in SMTP's limit,
    in a quarter of the serialiser's time; a test holds the two to the same output.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A boundary of our own: random, so it cannot occur in the text, and nobody need
        # search both bodies for one that does not.
        self.boundary = f"=_consult_{secrets.token_hex(16)}"

    def _headers(self):
        if self.attachments or self.cc or self.bcc or self.extra_headers:
            raise ValueError("Consult's emails have no attachments, copies or extra headers")
        headers = [
            (
                "Subject",
                self.subject
                if self.subject.isascii()
                else Header(self.subject, "utf-8", None, "Subject"),
            ),
            ("From", _address(self.sender)),
            ("To", ", ".join(_address(recipient) for recipient in self.recipients)),
            ("Date", formatdate(self.date, localtime=True)),
            ("Message-ID", self.msgId),
        ]
        if self.reply_to:
            headers.append(("Reply-To", _address(self.reply_to)))
        return headers

    def _message(self):
        """The message as the email package builds it."""
        text = _body(self.body, "plain")
        if self.html:
            mime = MIMEMultipart("alternative", boundary=self.boundary)
            mime.attach(text)
            mime.attach(_body(self.html, "html"))
        else:
            mime = text
        for name, value in self._headers():
            mime[name] = value
        return mime

    def as_bytes(self):
        if not (_fits(self.body) and _fits(self.html or "")):
            return self._message().as_bytes(policy=SMTP_WIRE)
        # What the serialiser writes for ``_message``: each header folded by the same
        # policy, parts with CRLF line ends, the boundary lines as RFC 2046 spells them.
        fold = SMTP_WIRE.fold_binary
        own_headers = b"".join(fold(name, value) for name, value in self._headers())
        if not self.html:
            return _part_headers(self.body, "plain") + own_headers + CRLF + _lines(self.body)
        boundary = self.boundary.encode("ascii")
        return b"".join(
            [
                fold("Content-Type", f'multipart/alternative; boundary="{self.boundary}"'),
                fold("MIME-Version", "1.0"),
                own_headers,
                CRLF,
                b"--%s\r\n" % boundary,
                _part_headers(self.body, "plain") + CRLF + _lines(self.body),
                b"\r\n--%s\r\n" % boundary,
                _part_headers(self.html, "html") + CRLF + _lines(self.html),
                b"\r\n--%s--\r\n" % boundary,
            ]
        )


CRLF = b"\r\n"
LINE_ENDS = re.compile(r"\r\n|\r|\n")  # as the email package's generator finds them


def _fits(words):
    """Whether every line of ``words`` is within SMTP's limit of 998 octets."""
    # A line of more than a quarter of the limit in characters may pass it in octets.
    longest = max(map(len, words.splitlines() or [""]))
    return longest * 4 <= LONGEST_SMTP_LINE or all(
        len(line.encode()) <= LONGEST_SMTP_LINE for line in words.splitlines()
    )


def _body(words, subtype):
    return MIMEText(words, subtype, UTF8_8BIT if _fits(words) else UTF8_WRAPPED)


def _part_headers(words, subtype):
    fold = SMTP_WIRE.fold_binary
    return b"".join(
        [
            fold("Content-Type", f'text/{subtype}; charset="utf-8"'),
            fold("MIME-Version", "1.0"),
            fold("Content-Transfer-Encoding", "7bit" if words.isascii() else "8bit"),
        ]
    )


def _lines(words):
    return LINE_ENDS.sub("\r\n", words).encode("utf-8")


@functools.cache
def _domain_of(sender):
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


@functools.lru_cache(maxsize=1024)  # the sender and reply-to, parsed once per process
def _address(value):
    name, address = value if isinstance(value, tuple) else parseaddr(value)
    return formataddr((name, address), "utf-8")


def _address_only(value):
    return value[1] if isinstance(value, tuple) else parseaddr(value)[1]


def build_mail(message):
    """The message to send, with the partner's link put back in."""
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
    mail = OutgoingMail(
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
            # Straight to Flask-Mail's smtplib session: ``build_mail`` has checked the
            # headers, and the envelope needs no more than the two addresses.
            envelope_from = _address_only(mail.sender)
            self.connection.host.sendmail(envelope_from, [message.to_address], mail.as_bytes())

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


# Built once: marking a message sent is the one statement run for every email.
_MARK_SENT = (
    update(Message.__table__)
    .where(Message.__table__.c.id == bindparam("message_id"))
    .where(Message.__table__.c.status == "sending")
    .values(status="sent", sent_at=bindparam("sent_at"), sealed_link=None, last_error="")
)


def sent_log():
    """A connection of its own for ``mark_sent``, each statement committed as it runs.

    Not the session: this runs for every email, and a bare connection, one round trip a
    message, does it in a fraction of the time.
    """
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def mark_sent(connection, message_id, now=None):
    """The mail server has the message: one statement, on a ``sent_log`` connection, so it
    is committed before the next message is tried."""
    connection.execute(_MARK_SENT, {"message_id": message_id, "sent_at": now or utcnow()})


def record_sent(message_ids, now=None):
    """What sending means beyond the message itself, for messages sent and not yet
    recorded: an audit event each, and a request whose invitation went out is "sent".
    Each message is recorded once, however often this is called. Returns how many."""
    if not message_ids:
        return 0
    now = now or utcnow()
    rows = db.session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == "sent",
            Message.sent_recorded_at.is_(None),
        )
        .values(sent_recorded_at=now)
        .returning(Message.id, Message.request_id, Message.kind, Message.sent_at)
        .execution_options(synchronize_session=False)
    ).all()
    requests = {
        request.id: request
        for request in db.session.scalars(
            select(Request).where(Request.id.in_({row.request_id for row in rows}))
        )
    }
    for row in sorted(rows, key=lambda row: (row.sent_at, row.id)):
        if row.request_id is not None:
            audit.record(
                "sent",
                request=requests[row.request_id],
                message_id=row.id,
                kind=row.kind,
                sent_at=row.sent_at.isoformat(),
            )
    invited = {row.request_id for row in rows if row.kind in INVITATION_KINDS and row.request_id}
    for request_id in sorted(invited):
        request = requests[request_id]
        if request.status in ("issued", "failed"):
            request.status = "sent"
    return len(rows)


def fetch_unrecorded_sends(older_than, now=None, limit=1_000):
    """Messages sent more than ``older_than`` ago whose sending was never recorded: their
    worker stopped between the send and the record. Through a partial index."""
    now = now or utcnow()
    return db.session.scalars(
        select(Message.id)
        .where(
            Message.status == "sent",
            Message.sent_recorded_at.is_(None),
            Message.sent_at < now - older_than,
        )
        .order_by(Message.sent_at, Message.id)
        .limit(limit)
    ).all()


def record_failure(message_id, failure, config, now=None):
    """Back to the queue with a wait, or failed for good; the reason is kept either way.

    A mail server that cannot be reached says nothing about the message: it waits, with
    the wait growing to MAIL_RETRY_MAX_SECONDS, for as long as the server is away. A
    message the server itself keeps putting off (a 4xx reply) fails after
    MAIL_MAX_ATTEMPTS; one it refuses (a 5xx reply) fails at once.
    """
    now = now or utcnow()
    message = db.session.get(Message, message_id)
    message.last_error = str(failure)
    server_away = isinstance(failure, TemporaryFailure) and failure.connection_lost
    if server_away or (
        isinstance(failure, TemporaryFailure) and message.attempts < config["MAIL_MAX_ATTEMPTS"]
    ):
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
