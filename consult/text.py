"""Showing people's words as they wrote them: paragraphs and line breaks kept, all escaped."""

import re

from markupsafe import Markup, escape

_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text, css_class="govuk-body"):
    """Plain text as HTML paragraphs: blank lines split paragraphs, single newlines break."""
    if not text:
        return Markup("")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    class_attribute = Markup(' class="{}"').format(css_class) if css_class else Markup("")
    return Markup("\n").join(
        Markup("<p{}>{}</p>").format(
            class_attribute, Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        )
        for block in _BLANK_LINES.split(text)
    )
