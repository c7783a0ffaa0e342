"""What an email that arrived in the reply mailbox is: a partner's reply, a bounce, or an
automatic reply, and what in it Consult can use.

Bounces are found by flufl.bounce (Mailman's detectors: RFC 3464 delivery status
notifications and the common non-standard formats), which says which addresses failed
for good and which only for now; the server's reason is read from the delivery status
itself (RFC 3464), or from the report's text when it has none. Automatic replies are
told by RFC 3834's ``Auto-Submitted`` and the headers Exchange and others add. A reply's
own words are split from the thread it quotes by ``consult.record.quoted``, as a saved
email dropped in by an officer is.

Nothing here knows Flask or the database.
"""

import email
import email.parser
import email.policy
import re
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr

from flufl.bounce import all_failures

from consult.record import quoted, saved_emails

# Consult's own Message-IDs: <consult.{message id}.{digest of its purpose}@{domain}>.
OUR_MESSAGE_ID = re.compile(r"<consult\.(\d{1,18})\.([0-9a-f]{20})@[^>\s]+>")
# A status and its reply code as servers write them: "550 5.1.1 ...", "5.1.1".
STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
REPLY_CODE = re.compile(r"\b([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\b(.*)")
AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|autoreply|"
    r"abwesenheitsnotiz|ateb awtomatig)\b",
    re.IGNORECASE,
)
# Who writes non-delivery reports, and how they title them (English, Welsh, and what
# Exchange and Postfix servers elsewhere send).
BOUNCE_SENDER = re.compile(
    r"^(mailer-daemon|mail-daemon|postmaster|mailer|mail\.?delivery|bounces?|mdaemon)[@+-]",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status|failure|notification|has failed|problem)|failure notice|"
    r"returned mail|mail delivery (failed|system)|could not be delivered|not delivered|"
    r"non[- ]?remis|unzustellbar|niet bezorgd|nondeliverable|delivery failed|bounced",
    re.IGNORECASE,
)
LONGEST_REASON = 300


@dataclass(frozen=True)
class Failure:
    """One address a bounce says could not be reached, and why."""

    address: str
    permanent: bool
    status: str = ""  # "5.1.1"
    reason: str = ""  # "550 5.1.1 <head@unknown.partners.example>: user unknown"


@dataclass
class ArrivedEmail:
    """An email from the reply mailbox as Consult reads it."""

    kind: str  # "reply", "bounce", "auto_reply"
    message_id: str  # its own Message-ID header, "" when it has none
    sender_name: str
    sender_address: str
    subject: str
    sent_at: object  # an aware datetime, or None
    # Consult's messages it answers or reports on, as (message id, digest) pairs, nearest
    # first: In-Reply-To, then References from the newest, then a bounce's original.
    ours: list = field(default_factory=list)
    text: str = ""  # the whole text body
    html: str = ""
    words: str = ""  # the sender's own words, the quoted thread taken off
    attachments: list = field(default_factory=list)  # (filename, bytes)
    failures: list = field(default_factory=list)  # Failure, for a bounce


def read_email(raw):
    """The ArrivedEmail in ``raw``, the email's bytes as the mailbox holds them. Its text
    holds no NUL character, which no database column takes."""
    arrival = _read(raw)
    for name in ("sender_name", "sender_address", "subject", "text", "html", "words"):
        setattr(arrival, name, getattr(arrival, name).replace("\x00", ""))
    arrival.attachments = [(name.replace("\x00", ""), data) for name, data in arrival.attachments]
    return arrival


def _read(raw):
    message = email.message_from_bytes(raw, policy=saved_emails.reading_policy())
    name, address = parseaddr(_header(message, "From"))
    arrival = ArrivedEmail(
        kind="reply",
        message_id=_one_id(_header(message, "Message-ID")),
        sender_name=_one_line(name)[:200],
        sender_address=address.strip().lower()[:320],
        subject=_one_line(_header(message, "Subject"))[:300],
        sent_at=saved_emails.sent_at_of(message),
    )
    failures = []
    if may_be_a_bounce(message, arrival.sender_address, arrival.subject):
        # flufl.bounce reads many headers of the compat32 message it is written for:
        # parsed again so, it takes a tenth of the time it takes over the default policy's.
        compat = email.message_from_bytes(raw, policy=email.policy.compat32)
        failures = _failures(message, compat)
    if failures:
        arrival.kind = "bounce"
        arrival.failures = failures
        arrival.ours = _ours(message) + _originals(message)
        arrival.text = _report_text(message)
        return arrival
    arrival.ours = _ours(message)
    arrival.text = saved_emails.text_of(message)
    arrival.html = saved_emails.content_of(message.get_body(preferencelist=("html",)))
    if is_automatic(message, arrival.subject):
        arrival.kind = "auto_reply"
        arrival.words = quoted.split_reply(arrival.text).words[:2000]
        return arrival
    arrival.words = quoted.split_reply(arrival.text, arrival.html).words
    arrival.attachments = saved_emails.attachments_of(message)
    return arrival


def may_be_a_bounce(message, sender, subject):
    """Whether a mail server may have written this report: a delivery status
    notification, a failed-recipients header, or the sender or subject servers use.
    Only these go through flufl.bounce's detectors, which are written for a mailbox of
    bounces (Mailman's) and take ten times as long as the rest of the reading."""
    if message.get_content_type() == "multipart/report" or _header(message, "X-Failed-Recipients"):
        return True
    return bool(BOUNCE_SENDER.match(sender) or BOUNCE_SUBJECT.search(subject))


def is_automatic(message, subject=""):
    """Whether a person did not write this: RFC 3834's Auto-Submitted (anything but
    "no"), the headers Exchange and other servers put on out-of-office replies, or a
    subject that says it is one."""
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if any(_header(message, name) for name in ("X-Autoreply", "X-Autorespond")):
        return True
    if _header(message, "X-Auto-Response-Suppress").strip().lower() in ("all", "oof"):
        return True
    if _header(message, "Precedence").strip().lower() in ("auto_reply", "bulk", "junk"):
        return True
    return bool(AUTO_SUBJECT.match(subject or ""))


def _failures(message, compat_message):
    """The addresses this message reports as not delivered, or [] when it is no bounce."""
    try:
        temporary, permanent = all_failures(compat_message)
    except Exception:
        # A detector that cannot make sense of an odd message is no bounce found; the
        # message is then filed as what else it is, and the officer sees it.
        return []
    if not (temporary or permanent):
        return []
    reasons = _delivery_status(message)
    fallback = _reason_in_text(_report_text(message))
    found = []
    for address, is_permanent in [(a, False) for a in temporary] + [(a, True) for a in permanent]:
        address = address.decode("utf-8", "replace").strip().lower()
        status, reason = reasons.get(address, fallback)
        found.append(Failure(address, is_permanent, status, reason[:LONGEST_REASON]))
    # Permanent failures first, each address once.
    seen, ordered = set(), []
    for failure in sorted(found, key=lambda f: (not f.permanent, f.address)):
        if failure.address not in seen:
            seen.add(failure.address)
            ordered.append(failure)
    return ordered


def _delivery_status(message):
    """{address: (status, reason)} from an RFC 3464 report's per-recipient fields."""
    found = {}
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if not isinstance(payload, list):
            continue
        for fields in payload[1:]:  # the first block is about the reporting server
            recipient = _typed_address(
                fields.get("Final-Recipient") or fields.get("Original-Recipient")
            )
            if not recipient:
                continue
            status = _one_line(str(fields.get("Status", "")))
            diagnostic = _one_line(str(fields.get("Diagnostic-Code", "")))
            diagnostic = diagnostic.split(";", 1)[1].strip() if ";" in diagnostic else diagnostic
            found[recipient] = (status, diagnostic or _status_words(status))
    return found


def _reason_in_text(text):
    """(status, reason) from a report with no delivery status: the first line that gives
    a reply code, else the first line that gives a status."""
    for line in text.splitlines():
        match = REPLY_CODE.search(line)
        if match:
            return match.group(2), _one_line(match.group(0))
    for line in text.splitlines():
        match = STATUS.search(line)
        if match:
            return match.group(1), _one_line(line)
    return "", "The mail server could not deliver the message"


def _status_words(status):
    if status.startswith("5.1."):
        return f"{status}: the address does not exist"
    if status.startswith("5."):
        return f"{status}: the message could not be delivered"
    if status.startswith("4."):
        return f"{status}: delivery is delayed"
    return status


def _typed_address(value):
    """The address in an RFC 3464 field such as "rfc822; head@school.example"."""
    value = _one_line(str(value or ""))
    if ";" in value:
        value = value.split(";", 1)[1]
    return parseaddr(value.strip())[1].strip().lower()


def _report_text(message):
    """The human-readable part of a bounce, for the officer and for a reason."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.is_attachment():
            return saved_emails.content_of(part).replace("\r\n", "\n").strip()[:20_000]
    return saved_emails.text_of(message)


def _ours(message):
    """Consult's messages this one names in In-Reply-To and References, nearest first."""
    in_reply_to = OUR_MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    references = OUR_MESSAGE_ID.findall(_header(message, "References"))
    return _unique([(int(number), digest) for number, digest in in_reply_to + references[::-1]])


def _originals(message):
    """Consult's messages a bounce returns (the headers or the whole message it
    encloses)."""
    found = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            found += [
                (int(number), digest) for number, digest in OUR_MESSAGE_ID.findall(_as_text(part))
            ]
    return _unique(found)


def _as_text(part):
    if part.get_content_type() == "message/rfc822":
        enclosed = part.get_payload()
        enclosed = enclosed[0] if isinstance(enclosed, list) and enclosed else enclosed
        return str(enclosed.get("Message-ID", "")) if hasattr(enclosed, "get") else ""
    return saved_emails.content_of(part)


def _unique(pairs):
    seen, kept = set(), []
    for pair in pairs:
        if pair not in seen:
            seen.add(pair)
            kept.append(pair)
    return kept


def _header(message, name):
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):
        return ""  # a header the parser cannot make sense of is as good as none
    return str(value) if value is not None else ""


def _one_id(value):
    match = re.search(r"<[^<>\s\x00]{1,900}>", value or "")
    return match.group(0) if match else ""


def _one_line(value):
    return re.sub(r"[\r\n\t\x00]+", " ", value or "").strip()


def recipients(raw_header):
    """The addresses in a To or Cc header, lower-cased."""
    return [address.lower() for _, address in getaddresses([raw_header or ""]) if "@" in address]


def message_id_of(raw):
    """The Message-ID in ``raw``'s headers ("" when it has none), read without parsing
    the body."""
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    return _one_id(str(headers.get("Message-ID", "") or ""))
