"""Showing people's words as they wrote them: paragraphs and line breaks kept, all escaped."""

import re

from markupsafe import Markup, escape

_BLANK_LINES = re.compile(r"\n\s*\n")
# Every character str.splitlines breaks at, and NUL: none belongs in a name or a title,
# which end up in email headers (a subject, a To line) where a line break injects headers.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\0")


def is_one_line(text):
    """Whether ``text`` has no line break (nor NUL) in it."""
    return not any(character in LINE_BREAKS for character in text)


def paragraphs(text, css_class="govuk-body"):
    """Plain text as HTML paragraphs: blank lines split paragraphs, single newlines break.

    The text is escaped once, whole (escaping leaves line ends and spaces as they are), and
    then split: an email's letter goes through this for every recipient.
    """
    if not text:
        return Markup("")
    escaped = str(escape(text.replace("\r\n", "\n").replace("\r", "\n").strip()))
    opening = f'<p class="{escape(css_class)}">' if css_class else "<p>"
    # Safe: the text and the class were escaped above; only tags are added here.
    return Markup(  # noqa: S704
        "\n".join(
            f"{opening}{block.replace(chr(10), '<br>' + chr(10))}</p>"
            for block in _BLANK_LINES.split(escaped)
        )
    )
