"""The development mailbox: the emails "sent" with MAIL_BACKEND=mailbox, read from disk.

The delivery worker writes each message, exactly as it would go to the mail server, to a
.eml file; these pages read them back, newest first.
"""

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path

_NAME = re.compile(r"^\d{8}T\d{12}-\d+\.eml$")


@dataclass
class MailboxEmail:
    name: str
    sender: str
    to: str
    subject: str
    date: object
    text: str
    html: str


def _read(path):
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return MailboxEmail(
        name=path.name,
        sender=str(parsed["From"] or ""),
        to=str(parsed["To"] or ""),
        subject=str(parsed["Subject"] or ""),
        date=parsedate_to_datetime(parsed["Date"]) if parsed["Date"] else None,
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else "",
    )


def list_emails(directory, page, per_page=50):
    """One page of emails, newest first, and whether there are more."""
    folder = Path(directory)
    names = sorted((p.name for p in folder.glob("*.eml") if _NAME.match(p.name)), reverse=True)
    start = (page - 1) * per_page
    chosen = names[start : start + per_page]
    return [_read(folder / name) for name in chosen], len(names)


def read_email(directory, name):
    """The email in file ``name``, or None (the name is checked: no paths)."""
    if not _NAME.match(name):
        return None
    path = Path(directory) / name
    return _read(path) if path.is_file() else None
