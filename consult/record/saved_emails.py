"""Reading a partner's reply that an officer saved from their mailbox: an .eml file, or
an Outlook .msg (read with aspose-email-foss, a pure-Python MSG reader, into the same
standard-library message an .eml gives)."""

import email
import email.policy
import functools
import re
from dataclasses import dataclass, field
from datetime import UTC
from email.headerregistry import HeaderRegistry
from email.utils import parseaddr
from html.parser import HTMLParser

from aspose.email_foss.cfb.reader import CFBReader
from aspose.email_foss.msg.mapi_message import MapiMessage
from aspose.email_foss.msg.reader import MsgReader
from aspose.email_foss.msg.writer import MsgDocument

MAX_EMAIL_BYTES = 10 * 1024 * 1024
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_AN_EMAIL = "The file must be an email saved from Outlook (a .msg file) or saved as a .eml file"


def reading_policy():
    """The email package's default policy, each header of one email parsed once: the
    policy parses a header anew on every read, and finding an email's body and
    attachments reads Content-Type some thirty times. The header factory is the policy's
    documented hook; the parsed headers are immutable, so one email's are kept for it."""
    return email.policy.default.clone(
        header_factory=functools.lru_cache(maxsize=256)(HeaderRegistry())
    )


class EmailFileError(ValueError):
    """The file is not an email that can be read; the message says why."""


@dataclass
class ReceivedEmail:
    sender_name: str
    sender_address: str
    sent_at: object  # an aware datetime, or None when the email has no date
    subject: str
    text: str  # the plain-text body, or the HTML body's text when there is no plain one
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    html: str = ""  # the HTML body as sent, if there is one: it can mark the quoted thread


def read_email_file(data):
    """The sender, date, subject, text and attachments of a saved email."""
    if not data:
        raise EmailFileError("The selected file is empty")
    if len(data) > MAX_EMAIL_BYTES:
        raise EmailFileError("The selected file must be smaller than 10MB")
    message = _read_msg(data) if data.startswith(OLE_SIGNATURE) else _read_eml(data)
    name, address = parseaddr(str(message.get("From", "")))
    if "@" not in address:
        raise EmailFileError(NOT_AN_EMAIL + ": it has no sender")
    return ReceivedEmail(
        sender_name=_one_line(name)[:200],
        sender_address=address.strip().lower(),
        sent_at=sent_at_of(message),
        subject=_one_line(str(message.get("Subject", "")))[:300],
        text=text_of(message),
        attachments=attachments_of(message),
        html=content_of(message.get_body(preferencelist=("html",))),
    )


def _read_eml(data):
    if b"\x00" in data[:4096]:
        raise EmailFileError(NOT_AN_EMAIL)
    try:
        message = email.message_from_bytes(data, policy=reading_policy())
    except (ValueError, TypeError, IndexError) as error:
        raise EmailFileError(NOT_AN_EMAIL) from error
    if message.get("From") is None or (message.defects and not message.get("Date")):
        raise EmailFileError(NOT_AN_EMAIL)
    return message


def _read_msg(data):
    try:
        with MsgReader(CFBReader(data)) as reader:
            document = MsgDocument.from_reader(reader)
        return MapiMessage.from_msg_document(document).to_email_message()
    except Exception as error:  # a damaged file can fail in many ways inside the reader
        raise EmailFileError(
            "This Outlook file could not be read. Save the email from Outlook again, or "
            "record the reply by hand."
        ) from error


def _one_line(value):
    return re.sub(r"[\r\n\t]+", " ", value or "").strip()


def sent_at_of(message):
    """When the Date header says it was sent, aware; None when it does not say."""
    header = message.get("Date")
    try:
        when = header.datetime if header is not None else None
    except (AttributeError, ValueError, TypeError):
        return None
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class _TextOfHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self):
        joined = "".join(self.parts)
        lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in joined.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_of_html(html):
    """The text a reader sees in an HTML body: one line for each paragraph or break."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def content_of(body):
    """A part's text, decoded; "" for a part that is not text."""
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError, AttributeError):
        content = (body.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def text_of(message):
    """The plain-text body, or the HTML body's text when there is no plain one."""
    body = message.get_body(preferencelist=("plain", "html"))
    content = content_of(body)
    if body is not None and body.get_content_type() == "text/html":
        content = text_of_html(content)
    return content.replace("\r\n", "\n").strip()[:20_000]


def attachments_of(message):
    """(filename, bytes) of each attachment with content."""
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if data:
            found.append((part.get_filename() or "attachment", data))
    return found
