"""The schedule of responses as UK consultation reports set it out: theme (or partner) |
what they said | the council's response | the change made.

What is published (the Word file, the annex's section) follows the annex's rules: a
partner who asked not to be published is left out, quotes are redacted (email addresses,
phone numbers, links of ours, a withheld name). The staff page shows every point and
marks those that will not be published.
"""

import io
from dataclasses import dataclass, field

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from consult import redaction
from consult.consideration.models import POINT_KIND_NAMES

HEADINGS = ("Theme", "What partners said", "The council's response", "Change made")


@dataclass
class PartnerRow:
    organisation: str
    sector: str
    request_id: int
    publication: str
    said: list = field(default_factory=list)  # (theme, kind, quote)


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
            row.said += [(item.theme, kind, quote) for kind, quote in entry.points]
    return sorted(partners.values(), key=lambda row: row.organisation)


def published(themes):
    """The schedule as it may be published: (theme, [(organisation, [(kind, quote)])])
    with partners who declined publication left out and every quote redacted."""
    hosts = redaction.service_hosts()
    result = []
    for item in themes:
        entries = []
        for entry in item.entries:
            if entry.publication == "do_not_publish":
                continue
            names = (
                [entry.responder_name]
                if entry.publication == "publish_without_name" and entry.responder_name
                else []
            )
            entries.append(
                (
                    entry.organisation,
                    [
                        (
                            POINT_KIND_NAMES[kind],
                            redaction.redact(quote, names=names, service_hosts=hosts),
                        )
                        for kind, quote in entry.points
                    ],
                )
            )
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
