"""An email's bytes as they go to the mail server.

Consult's emails are all of one shape: a plain-text and an HTML version of the same words,
to one recipient, with no attachments. ``OutgoingMail.as_bytes`` writes them directly,
byte for byte what the email package's classic serialiser writes for ``_message`` (the
faster path; ``tests/correspondence/test_wire.py`` holds the two together, and
``bench/sending.py`` measures it). Anything that cannot be written (an address beyond
ASCII that IDNA cannot encode, a line break in a header) raises ``ValueError`` before a
connection is opened.
"""

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, parseaddr

from email_validator import EmailNotValidError, validate_email


class _SMTPWire(Compat32):
    """The email package's classic serialiser with the CRLF line ends SMTP wants; a short
    plain-ASCII header is written as it is (the same bytes, without an ``email.header``)."""

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
CRLF = b"\r\n"
LINE_ENDS = re.compile(r"\r\n|\r|\n")  # as the email package's generator finds them


def ascii_address(address):
    """``address`` as SMTP and a header can carry it: a domain beyond ASCII in IDNA
    (``head@école.example`` -> ``head@xn--cole-9oa.example``), as Flask-Mail and Notify
    do. ValueError for one that cannot be (a local part beyond ASCII)."""
    if address.isascii():
        return address
    try:
        ascii_email = validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError as error:
        raise ValueError(f"{address!r} is not an email address: {error}") from None
    if ascii_email is None:
        raise ValueError(
            f"{address!r} has letters beyond ASCII before the @, which needs a mail server "
            "that takes SMTPUTF8; ask the partner for another address"
        )
    return ascii_email


@functools.lru_cache(maxsize=1024)  # the sender and reply-to, parsed once per process
def header_address(value):
    """A From, To or Reply-To header's value: the name RFC 2047-encoded where it is beyond
    ASCII, the address in ASCII."""
    name, address = value if isinstance(value, tuple) else parseaddr(value)
    if any(character in name + address for character in "\r\n\0"):
        raise ValueError("An address or name in this email holds a line break")
    return formataddr((name, ascii_address(address)), "utf-8")


def bare_address(value):
    return value[1] if isinstance(value, tuple) else parseaddr(value)[1]


def message_id_header(message_id, purpose, sender):
    """A Message-ID derived from the stored message, the same on every attempt, so a
    receiver (or we) can recognise a duplicate, and a reply can be matched to it."""
    domain = _domain_of(sender or "consult@localhost")
    digest = hashlib.sha256(purpose.encode()).hexdigest()[:20]
    return f"<consult.{message_id}.{digest}@{domain}>"


@functools.cache
def _domain_of(sender):
    return ascii_address(parseaddr(sender)[1] or "consult@localhost").rpartition("@")[2]


@dataclass
class OutgoingMail:
    """One email as Consult sends it: plain text and (optionally) HTML, to its recipients."""

    subject: str
    sender: str | tuple
    recipients: list
    body: str
    html: str | None = None
    reply_to: str | tuple | None = None
    date: float | None = None
    message_id: str = ""
    # A boundary of our own: random, so it cannot occur in the text, and nobody need
    # search both bodies for one that does not.
    boundary: str = field(default_factory=lambda: f"=_consult_{secrets.token_hex(16)}")

    def _headers(self):
        if any(character in self.subject for character in "\r\n\0"):
            raise ValueError("The subject of this email holds a line break")
        headers = [
            (
                "Subject",
                self.subject
                if self.subject.isascii()
                else Header(self.subject, "utf-8", None, "Subject"),
            ),
            ("From", header_address(self.sender)),
            ("To", ", ".join(header_address(recipient) for recipient in self.recipients)),
            ("Date", formatdate(self.date, localtime=True)),
            ("Message-ID", self.message_id),
        ]
        if self.reply_to:
            headers.append(("Reply-To", header_address(self.reply_to)))
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
