"""Splitting an emailed reply into the partner's own words and the thread they quoted.

quotequail finds where the quoted thread starts: Gmail's or Apple Mail's "On ... wrote:",
Outlook's "From: / Sent: / To: / Subject:" block, "-----Original Message-----", or lines
quoted with ">". The thread usually holds the council's own invitation, with the
partner's secret link, so only the lines above the split are ever the partner's words.

Nothing here knows Flask or the database: the drop-in of a saved email uses it, and so
will mail that files itself from the reply mailbox.
"""

import re
from dataclasses import dataclass

import quotequail

from consult.record.saved_emails import text_of_html

# Past this many characters of HTML only the text body is read: it is split as well.
HTML_LIMIT = 1_000_000


@dataclass(frozen=True)
class Split:
    """An email's text as lines, and where the quoted thread starts in it."""

    lines: list[str]
    split_at: int | None  # the index of the first quoted line; None: nothing is quoted

    @property
    def words(self):
        """The partner's new message: the lines above the split."""
        end = len(self.lines) if self.split_at is None else self.split_at
        return "\n".join(self.lines[:end]).strip()

    @property
    def quoted(self):
        """The thread they quoted, from the split down; "" when there is none."""
        if self.split_at is None:
            return ""
        return "\n".join(self.lines[self.split_at :]).strip()


def lines_of(text):
    """The text's lines, as quotequail counts them."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n") if text else []


def split_reply(text, html=None):
    """Where the quoted thread starts in ``text``, an email's text body.

    ``html``, the email's HTML body if it has one, can mark the thread where the text does
    not (a <blockquote>, Outlook's ruled header); the earlier of the two splits is taken,
    so that no quoted line is taken for the partner's.
    """
    lines = lines_of(text)
    found = [_text_split(lines), _html_split(lines, html)]
    found = [index for index in found if index is not None]
    return Split(lines=lines, split_at=min(found) if found else None)


def split_at_line(text, line_index):
    """``text`` split where the officer says: ``line_index`` is the index of the first
    quoted line (the number of the partner's words' last line); the number of lines keeps
    the whole email. Raises ValueError for a line the text does not have."""
    lines = lines_of(text)
    if not 0 <= line_index <= len(lines):
        raise ValueError(f"The email has lines 1 to {len(lines)}")
    return Split(lines=lines, split_at=line_index if line_index < len(lines) else None)


def _text_split(lines):
    found = quotequail.unwrap("\n".join(lines))
    if found is None:
        return None
    return _after(lines, _flat(found.get("text_top", "")))


def _html_split(lines, html):
    if not html or len(html) > HTML_LIMIT:
        return None
    try:
        found = quotequail.unwrap_html(html)
    except Exception:  # lxml can fail in many ways on a damaged body; the text still splits
        return None
    if found is None:
        return None
    top = _flat(text_of_html(found.get("html_top", "")))
    rest = _flat(text_of_html(html)).removeprefix(top)
    index = _after(lines, top)
    # The text body must be the HTML body's own text at the split, not another message.
    if index is None or not rest.startswith(_flat(lines[index].lstrip("> "))):
        return None
    return index


_SPACE = re.compile(r"\s+")


def _flat(text):
    """Text without its spacing: an HTML body and a text body wrap differently."""
    return _SPACE.sub("", text)


def _after(lines, top):
    """The index of the first line with words after those that make up ``top`` (text
    without spacing); None when the lines do not begin with ``top``, or hold no more."""
    seen = ""
    for index, line in enumerate(lines):
        if len(seen) >= len(top) and line.strip():
            return index if seen == top else None
        seen += _flat(line)
        if not top.startswith(seen):
            return None
    return None
