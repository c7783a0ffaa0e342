"""The annex "Letters from Partners": what goes in it, and the PDF and Word files.

A title page, a summary table of every reply (organisation, sector, date received,
stance, late), then each published reply in the order received: web replies set out as
letters, letters sent as PDFs included as their own pages. Email addresses and phone
numbers in replies are taken out; a partner who asked to publish without their name is
not named; a reply not to be published is counted in the summary and left out after it.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_BREAK
from flask import current_app
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from consult.dates import format_date, format_datetime
from consult.publish import queries
from consult.publish.redaction import ERASED, redact
from consult.respond.models import CHANNEL_NAMES, STANCE_NAMES

TITLE = "Letters from Partners"


@dataclass
class Reply:
    organisation: str
    sector: str
    received_at: datetime
    late: bool
    stance: str
    channel: str
    published: bool
    signed: str = ""  # who wrote it, or that they asked not to be named
    text: str = ""
    alternative_option: str = ""
    letter_path: Path | None = None
    letter_is_pdf: bool = False
    letter_name: str = ""

    @property
    def received(self):
        return format_date(self.received_at, with_weekday=False)


@dataclass
class Annex:
    title: str
    reference: str
    question: str
    preferred_option: str
    deadline: str
    issued_on: str
    issued: int
    replies: list[Reply] = field(default_factory=list)
    built_at: datetime | None = None

    @property
    def published(self):
        return [reply for reply in self.replies if reply.published]


def collect(consultation, *, now):
    """The annex's contents, read from the database in two queries."""
    counts = queries.fetch_request_counts(consultation.id)
    preferred = consultation.preferred_option
    annex = Annex(
        title=consultation.title,
        reference=consultation.reference,
        question=consultation.question,
        preferred_option=preferred.name if preferred else "",
        deadline=format_datetime(consultation.deadline_at) if consultation.deadline_at else "",
        issued_on=format_date(consultation.issued_at) if consultation.issued_at else "",
        issued=counts["issued"],
        built_at=now,
    )
    folder = Path(current_app.config["UPLOAD_DIR"])
    for request, organisation, sector, response, alternative, letter in queries.fetch_replies(
        consultation.id
    ):
        anonymous = response.publication == "publish_without_name"
        names = [response.responder_name] if anonymous else []
        name = "" if response.responder_name == ERASED else response.responder_name
        if anonymous:
            signed = "The writer asked not to be named."
        else:
            signed = ", ".join(part for part in (name, response.responder_role) if part)
        annex.replies.append(
            Reply(
                organisation=organisation,
                sector=sector,
                received_at=request.responded_at,
                late=bool(
                    consultation.deadline_at and request.responded_at > consultation.deadline_at
                ),
                stance=STANCE_NAMES[response.stance],
                channel=CHANNEL_NAMES[response.channel],
                published=response.publication != "do_not_publish",
                signed=redact(signed, names=names),
                text=redact(response.comments, names=names),
                alternative_option=alternative or "",
                letter_path=folder / letter.storage_name
                if letter is not None and letter.erased_at is None
                else None,
                letter_is_pdf=letter is not None and letter.content_type == "application/pdf",
                letter_name=letter.original_filename if letter is not None else "",
            )
        )
    return annex


def summary_rows(annex):
    return [
        (
            reply.organisation,
            reply.sector,
            reply.received,
            reply.stance + ("" if reply.published else " (reply not published, at its request)"),
            "Late" if reply.late else "",
        )
        for reply in annex.replies
    ]


SUMMARY_HEADINGS = ("Organisation", "Sector", "Received", "Stance", "Late")


def _paragraphs(text):
    return [
        block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n") if block.strip()
    ]


# PDF, with ReportLab for the pages we write and pypdf to add the letters partners sent


def render_pdf(annex, *, progress=lambda done: None):
    """The annex as PDF bytes; ``progress`` is told after each reply."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_pdf_pages(annex, _opening_story(annex)))))
    for done, reply in enumerate(annex.published, start=1):
        writer.append(PdfReader(io.BytesIO(_pdf_pages(annex, _reply_story(reply)))))
        if reply.letter_path is not None and reply.letter_is_pdf:
            try:
                writer.append(PdfReader(reply.letter_path))
            except (OSError, PyPdfError, ValueError, KeyError):
                note = f"The letter {reply.letter_name} could not be read, so is not included."
                writer.append(PdfReader(io.BytesIO(_pdf_pages(annex, [_styles()["body"](note)]))))
        progress(done)
    writer.add_metadata({"/Title": f"{TITLE}: {annex.title}", "/Subject": annex.reference})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _styles():
    sheet = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=sheet["BodyText"], fontName=_font(), fontSize=11, leading=15, spaceAfter=8
    )
    bold = ParagraphStyle("bold", parent=body, fontName=_font(bold=True))
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=bold, fontSize=26, leading=32, spaceAfter=18)
    heading = ParagraphStyle("heading", parent=bold, fontSize=16, leading=20, spaceAfter=10)

    def make(style):
        return lambda text: Paragraph(_escape(text), style)

    return {
        "body": make(body),
        "bold": make(bold),
        "small": make(small),
        "title": make(title),
        "heading": make(heading),
        "small_style": small,
    }


_FONTS = {}


def _font(bold=False):
    """A TrueType font with the characters partners write (curly quotes, accents, dashes):
    DejaVu Sans where the system has it, else the Vera font that ReportLab ships."""
    if not _FONTS:
        candidates = [
            (
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
            ),
            ("Vera.ttf", "VeraBd.ttf"),
        ]
        for regular, heavy in candidates:
            try:
                pdfmetrics.registerFont(TTFont("AnnexSans", regular))
                pdfmetrics.registerFont(TTFont("AnnexSans-Bold", heavy))
            except Exception:  # noqa: S112 - try the next font
                continue
            _FONTS.update(regular="AnnexSans", bold="AnnexSans-Bold")
            break
        else:
            _FONTS.update(regular="Helvetica", bold="Helvetica-Bold")
    return _FONTS["bold" if bold else "regular"]


def _escape(text):
    return escape(text).replace("\n", "<br/>")


def _opening_story(annex):
    styles = _styles()
    story = [
        Spacer(1, 40 * mm),
        styles["title"](TITLE),
        styles["heading"](annex.title),
        styles["body"](f"Reference: {annex.reference}"),
    ]
    if annex.issued_on:
        story.append(
            styles["body"](f"The council wrote to {annex.issued} partners on {annex.issued_on}.")
        )
    if annex.deadline:
        story.append(styles["body"](f"Replies were asked for by {annex.deadline}."))
    if annex.preferred_option:
        story.append(styles["body"](f"The preferred option: {annex.preferred_option}."))
    story.append(
        styles["body"](
            f"{len(annex.replies)} partners replied. Email addresses and phone numbers have "
            "been taken out of their replies. Replies that partners asked not to be published "
            "are counted in the summary but not reproduced."
        )
    )
    story += [PageBreak(), styles["heading"]("Summary of replies")]
    small = styles["small"]
    rows = [[styles["bold"](heading) for heading in SUMMARY_HEADINGS]]
    rows += [[small(cell) for cell in row] for row in summary_rows(annex)]
    if len(rows) == 1:
        rows.append([small("No replies were received."), "", "", "", ""])
    table = Table(rows, colWidths=[55 * mm, 32 * mm, 27 * mm, 48 * mm, 14 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(table)
    return story


def _reply_story(reply):
    styles = _styles()
    story = [
        styles["heading"](reply.organisation),
        styles["small"](
            f"{reply.sector}. Received {reply.received} ({reply.channel.lower()})"
            + (", after the deadline" if reply.late else "")
            + f". Stance on the preferred option: {reply.stance}."
            + (f" Prefers: {reply.alternative_option}." if reply.alternative_option else "")
        ),
    ]
    story += [styles["body"](paragraph) for paragraph in _paragraphs(reply.text)]
    if reply.signed:
        story.append(styles["bold"](reply.signed))
    if reply.letter_path is not None:
        if reply.letter_is_pdf:
            story.append(styles["small"]("The organisation's letter follows, as it was sent."))
        else:
            story.append(
                styles["small"](
                    f"The organisation also sent a letter as a Word file ({reply.letter_name})."
                )
            )
    return story


def _pdf_pages(annex, story):
    def footer(canvas, _document):
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawString(20 * mm, 12 * mm, f"{TITLE} · {annex.reference}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE}: {annex.title}",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# Word, with python-docx


def render_docx(annex, *, progress=lambda done: None):
    document = Document()
    document.core_properties.title = f"{TITLE}: {annex.title}"
    document.add_heading(TITLE, level=0)
    document.add_heading(annex.title, level=1)
    document.add_paragraph(f"Reference: {annex.reference}")
    if annex.issued_on:
        document.add_paragraph(
            f"The council wrote to {annex.issued} partners on {annex.issued_on}."
        )
    if annex.deadline:
        document.add_paragraph(f"Replies were asked for by {annex.deadline}.")
    if annex.preferred_option:
        document.add_paragraph(f"The preferred option: {annex.preferred_option}.")
    document.add_paragraph(
        f"{len(annex.replies)} partners replied. Email addresses and phone numbers have been "
        "taken out of their replies. Replies that partners asked not to be published are "
        "counted in the summary but not reproduced."
    )
    document.add_page_break()
    document.add_heading("Summary of replies", level=1)
    table = document.add_table(rows=1, cols=len(SUMMARY_HEADINGS))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, SUMMARY_HEADINGS, strict=True):
        cell.text = heading
    for row in summary_rows(annex):
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    for done, reply in enumerate(annex.published, start=1):
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(reply.organisation, level=1)
        document.add_paragraph(
            f"{reply.sector}. Received {reply.received} ({reply.channel.lower()})"
            + (", after the deadline" if reply.late else "")
            + f". Stance on the preferred option: {reply.stance}."
            + (f" Prefers: {reply.alternative_option}." if reply.alternative_option else "")
        )
        for paragraph in _paragraphs(reply.text):
            document.add_paragraph(paragraph)
        if reply.letter_path is not None and reply.letter_is_pdf:
            document.add_paragraph("The organisation's letter, as text taken from the PDF it sent:")
            for paragraph in _paragraphs(_letter_text(reply)):
                document.add_paragraph(paragraph)
        elif reply.letter_path is not None:
            document.add_paragraph(
                f"The organisation also sent a letter as a Word file ({reply.letter_name})."
            )
        if reply.signed:
            document.add_paragraph().add_run(reply.signed).bold = True
        progress(done)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _letter_text(reply):
    try:
        reader = PdfReader(reply.letter_path)
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (OSError, PyPdfError, ValueError, KeyError):
        return f"The letter {reply.letter_name} could not be read."
    return redact(text)
