"""The schedule of responses as UK consultation reports set it out: theme (or partner) |
what they said | the council's response | the change made.

What is published (the Word file, the annex's section) follows the annex's rules: a
partner who asked not to be published is left out, quotes are redacted (email addresses,
phone numbers, links of ours, a withheld name). A quote from a letter follows the officer's
check of that letter too: the words the officer took out are taken out of the quote, and
the quote is left out with the letter, or with the page of it that the officer left out.
The staff page shows every point and marks those that will not be published.
"""

import functools
import io
from dataclasses import dataclass, field

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from consult import redaction
from consult.consideration.models import POINT_KIND_NAMES
from consult.files.services import kind_of, stored_path
from consult.redaction import letters

HEADINGS = ("Theme", "What partners said", "The council's response", "Change made")


@dataclass
class PartnerRow:
    organisation: str
    sector: str
    request_id: int
    publication: str
    said: list = field(default_factory=list)  # (theme, SchedulePoint)


def by_partner(themes):
    """The same schedule turned round: each partner, with what they said under each theme."""
    partners = {}
    for item in themes:
        for entry in item.entries:
            row = partners.get(entry.request_id)
            if row is None:
                row = partners[entry.request_id] = PartnerRow(
                    entry.organisation, entry.sector, entry.request_id, entry.publication
                )
            row.said += [(item.theme, point) for point in entry.points]
    return sorted(partners.values(), key=lambda row: row.organisation)


def _squeezed(text):
    return " ".join((text or "").split()).casefold()


# A stored file never changes (it is kept under a name of its own), so its pages' words
# are read once per process.
@functools.lru_cache(maxsize=64)
def _page_texts(path):
    examined = letters.examine(path, "pdf")
    return [(page.number, _squeezed(redaction.redact(page.text))) for page in examined.pages]


def page_of(quote, letter):
    """The page of the PDF ``letter`` (a stored file) that holds ``quote``, or None when no
    one page does (a Word letter has no pages; a quote may run over two)."""
    if letter is None or letter.erased_at is not None or kind_of(letter) != "pdf":
        return None
    wanted = _squeezed(quote)
    # The page's words redacted as the letter's text offered for marking was, so a marker
    # such as "[phone number removed]" is found where the page had the number.
    for number, text in _page_texts(str(stored_path(letter))):
        if wanted and wanted in text:
            return number
    return None


def letter_checked(quote, check, letter):
    """``quote``, from the letter ``letter``, as the officer's ``check`` of that letter
    (a LetterCheck) allows: (the quote with the check's words taken out, "letter" or "page"
    when it is left out with the letter or its page, else "")."""
    redacted = redaction.redact(quote, words=check.word_list)
    if check.left_out:
        return redacted, "letter"
    pages = check.page_numbers
    if pages:
        # Which page it came from cannot always be told; then it is left out, to be safe.
        page = page_of(quote, letter)
        if page is None or page in pages:
            return redacted, "page"
    return redacted, ""


def redacted(quote, *, publication, responder_name, service_hosts):
    """``quote`` as it may be published: email addresses, phone numbers and links of ours
    taken out, and the writer's name when they asked not to be named."""
    names = [responder_name] if publication == "publish_without_name" and responder_name else []
    return redaction.redact(quote, names=names, service_hosts=service_hosts)


def published(themes):
    """The schedule as it may be published: (theme, [(organisation, [(kind, quote)])])
    with partners who declined publication left out, quotes from letters (or pages of
    them) the officer left out left out, and every quote redacted."""
    hosts = redaction.service_hosts()
    result = []
    for item in themes:
        entries = []
        for entry in item.entries:
            if entry.publication == "do_not_publish":
                continue
            points = [
                (
                    POINT_KIND_NAMES[point.kind],
                    redacted(
                        point.quote,
                        publication=entry.publication,
                        responder_name=entry.responder_name,
                        service_hosts=hosts,
                    ),
                )
                for point in entry.points
                if not point.left_out
            ]
            if points:
                entries.append((entry.organisation, points))
        if entries:
            result.append((item.theme, entries))
    return result


def add_to_docx(document, themes, *, heading_level=1):
    """The schedule as a section of a Word document: a heading and one table whose header
    row repeats on every page."""
    document.add_heading("Schedule of responses", level=heading_level)
    rows = published(themes)
    if not rows:
        document.add_paragraph("No points have been published yet.")
        return
    table = document.add_table(rows=1, cols=len(HEADINGS))
    table.style = "Table Grid"
    header = table.rows[0]
    properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    for cell, text in zip(header.cells, HEADINGS, strict=True):
        cell.text = text
    for theme, entries in rows:
        cells = table.add_row().cells
        cells[0].text = theme.name
        said = cells[1]
        said.text = ""
        first = True
        for organisation, points in entries:
            for kind, quote in points:
                paragraph = said.paragraphs[0] if first else said.add_paragraph()
                first = False
                paragraph.add_run(f"{organisation} ({kind.lower()}): ").bold = True
                paragraph.add_run(f"“{quote}”")
        cells[2].text = theme.response if theme.agreed else "Not yet agreed."
        cells[3].text = theme.change_made if theme.agreed else ""


def render_docx(consultation, themes):
    document = Document()
    document.core_properties.title = f"Schedule of responses: {consultation.title}"
    document.core_properties.language = "en-GB"
    document.add_heading(f"Schedule of responses: {consultation.title}", level=0)
    document.add_paragraph(
        f"Reference: {consultation.reference}. What partners said, theme by theme, and the "
        "council's response to each. Email addresses, phone numbers and links have been "
        "taken out; partners who asked not to be published are not quoted."
    )
    add_to_docx(document, themes)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
