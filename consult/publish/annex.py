"""The annex "Letters from Partners": what goes in it, and the PDF and Word files.

A title page, a summary table of the published replies, then each published reply in the
order received. Everything a partner wrote passes through ``redaction.redact`` (email
addresses, phone numbers, links and tokens of ours, withheld names, the officer's words);
their PDF letters go in as page images with those boxes burned in, their Word letters as
redacted text. A reply the partner asked not to publish is neither quoted nor named: the
annex says only how many there are.

The PDF is printed from ``templates/publish/annex_document.html`` by WeasyPrint, tagged
(PDF/UA-1: structure tree, language, title, a bookmark per partner); the Word file has
Word's own headings, a table of contents and page numbers.
"""

import functools
import io
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pypdfium2
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from flask import render_template
from weasyprint import HTML, URLFetcher

from consult import redaction
from consult.consideration import queries as consideration
from consult.consideration import schedule
from consult.dates import format_date, format_datetime
from consult.files.services import kind_of, stored_path
from consult.publish import queries
from consult.redaction import letters
from consult.respond.models import CHANNEL_NAMES, STANCE_NAMES

TITLE = "Letters from Partners"
SUMMARY_HEADINGS = ("Organisation", "Sector", "Received", "Stance", "Late")
TAKEN_OUT = (
    "Email addresses, phone numbers and links to the council's consultation service have "
    "been taken out of every reply and letter, and so have the names of people who asked "
    "not to be named. In letters reproduced as pages, what was taken out is blacked out."
)
LETTER_DPI = 150


@dataclass
class LetterPage:
    number: int
    src: str  # where the burned-in image is, for WeasyPrint
    alt: str  # the page's own words, redacted
    path: Path


@dataclass
class Letter:
    stored_file_id: int
    name: str
    kind: str  # "pdf" or "docx"
    path: Path
    words: list[str] = field(default_factory=list)
    left_out_pages: list[int] = field(default_factory=list)
    left_out: bool = False
    text: str = ""  # redacted
    pages: list[LetterPage] = field(default_factory=list)
    could_not_be_checked: bool = False
    problem: str = ""

    @property
    def paragraphs(self):
        return _paragraphs(self.text)

    @property
    def note(self):
        """What the annex says of the letter. Never its file name, which a partner may
        have made of a person's name or number ("Sam Kent 07700 900123.pdf")."""
        if self.could_not_be_checked:
            return (
                "A letter was attached that could not be checked for personal details, so "
                "it is not reproduced."
            )
        if self.kind == "pdf":
            return "The letter as it was sent, with personal details blacked out" + (
                f"; {self.left_out_sentence}." if self.left_out_pages else "."
            )
        return "The text of the letter, sent as a Word file, with personal details taken out."

    @property
    def left_out_sentence(self):
        left_out = len(self.left_out_pages)
        return f"{left_out} page{'s' if left_out > 1 else ''} left out by the council"


@dataclass
class Reply:
    organisation: str
    sector: str
    received_at: datetime
    late: bool
    stance: str
    channel: str
    signed: str = ""
    text: str = ""
    alternative_option: str = ""
    letter: Letter | None = None
    withheld_names: list[str] = field(default_factory=list)

    @property
    def received(self):
        return format_date(self.received_at, with_weekday=False)

    @property
    def paragraphs(self):
        return _paragraphs(self.text)

    @property
    def about(self):
        return (
            f"{self.sector}. Received {self.received} ({self.channel.lower()})"
            + (", after the deadline" if self.late else "")
            + f". Stance on the preferred option: {self.stance}."
            + (f" Prefers: {self.alternative_option}." if self.alternative_option else "")
        )


@dataclass
class Annex:
    title: str
    reference: str
    question: str
    preferred_option: str
    deadline: str
    issued_on: str
    issued: int
    replies: list[Reply] = field(default_factory=list)  # the published ones only
    not_published: int = 0
    # The council's consideration, as it may be published (consideration/schedule.py).
    schedule: list = field(default_factory=list)
    schedule_themes: list = field(default_factory=list)
    built_at: datetime | None = None

    heading = TITLE
    taken_out_sentence = TAKEN_OUT

    @property
    def document_title(self):
        return f"{TITLE}: {self.title}"

    @property
    def footer(self):
        return f"{TITLE} · {self.reference}".replace('"', "'")

    @property
    def replied(self):
        return len(self.replies) + self.not_published

    @property
    def replied_sentence(self):
        if not self.replied:
            return "No partner has replied."
        return f"{self.replied} partner{' has' if self.replied == 1 else 's have'} replied."

    @property
    def not_published_sentence(self):
        if self.not_published == 1:
            return "1 reply is not published, at the partner's request."
        return f"{self.not_published} replies are not published, at the partners' request."

    @property
    def letters(self):
        return [reply.letter for reply in self.replies if reply.letter is not None]


def collect(consultation, *, now):
    """The annex's contents, read from the database in three queries; letters are listed
    but not yet read (``prepare_letters`` does that, the slow part)."""
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
    hosts = redaction.service_hosts()
    checks = queries.fetch_letter_checks(consultation.id)
    contact_names = queries.fetch_contact_names(consultation.id)
    annex.schedule_themes = consideration.fetch_schedule(consultation.id)
    annex.schedule = schedule.published(annex.schedule_themes)
    for request, organisation, sector, response, alternative, letter in queries.fetch_replies(
        consultation.id
    ):
        if response.publication == "do_not_publish":
            annex.not_published += 1
            continue
        anonymous = response.publication == "publish_without_name"
        withheld = redaction.withheld_names(
            response.publication, response.responder_name, contact_names.get(request.id, [])
        )
        name = "" if response.responder_name == redaction.ERASED else response.responder_name
        if anonymous:
            signed = "The writer asked not to be named."
        else:
            signed = ", ".join(part for part in (name, response.responder_role) if part)
        reply = Reply(
            organisation=organisation,
            sector=sector,
            received_at=request.responded_at,
            late=bool(consultation.deadline_at and request.responded_at > consultation.deadline_at),
            stance=STANCE_NAMES[response.stance],
            channel=CHANNEL_NAMES[response.channel],
            signed=redaction.redact(signed, names=withheld, service_hosts=hosts),
            text=redaction.redact(response.comments, names=withheld, service_hosts=hosts),
            alternative_option=alternative or "",
            withheld_names=withheld,
        )
        if letter is not None and letter.erased_at is None:
            check = checks.get(letter.id)
            reply.letter = Letter(
                stored_file_id=letter.id,
                name=letter.original_filename,
                kind=kind_of(letter),
                path=stored_path(letter),
                words=check.word_list if check else [],
                left_out_pages=check.page_numbers if check else [],
                left_out=bool(check and check.left_out),
            )
            if reply.letter.left_out:
                reply.letter = None
        annex.replies.append(reply)
    return annex


def examine(letter, reply):
    """What redaction finds in one of the annex's letters; a kind it cannot read (an old
    Word .doc) could not be checked, and is not reproduced."""
    if letter.kind not in ("pdf", "docx"):
        return letters.ExaminedLetter(
            kind=letter.kind,
            pages=[],
            text="",
            could_not_be_checked=True,
            problem="Consult cannot read this kind of file to check it.",
        )
    return _examine(
        str(letter.path),
        letter.kind,
        tuple(reply.withheld_names),
        tuple(letter.words),
        redaction.service_hosts(),
    )


# A stored file never changes (it is kept under a name of its own), so what redaction finds
# in it depends only on these arguments: the check page's images and the build reuse it.
@functools.lru_cache(maxsize=64)
def _examine(path, kind, names, words, hosts):
    return letters.examine(Path(path), kind, names=names, words=words, service_hosts=hosts)


def prepare_letters(annex, folder, *, with_pages=True):
    """Read and redact each letter; with ``with_pages``, burn its PDF pages into images
    in ``folder``. Yields after each reply, so the caller can show progress."""
    for reply in annex.replies:
        letter = reply.letter
        if letter is not None:
            examined = examine(letter, reply)
            letter.could_not_be_checked = examined.could_not_be_checked
            letter.problem = examined.problem
            # A letter that could not be checked is not reproduced, not even the words
            # that could be read; a page the officer left out is in no format.
            if examined.could_not_be_checked:
                letter.text = ""
            elif letter.kind == "pdf":
                kept = [page for page in examined.pages if page.number not in letter.left_out_pages]
                letter.text = _redacted("\n\n".join(page.text for page in kept), reply, letter)
            else:
                letter.text = examined.text
            if with_pages and letter.kind == "pdf" and not examined.could_not_be_checked:
                texts = {page.number: page.text for page in examined.pages}
                try:
                    burned = letters.burned_pages(
                        letter.path, examined, leave_out=letter.left_out_pages, dpi=LETTER_DPI
                    )
                except pypdfium2.PdfiumError:
                    letter.could_not_be_checked = True
                    letter.text = ""
                    burned = []
                for number, png in burned:
                    path = Path(folder) / f"letter-{letter.stored_file_id}-{number}.png"
                    path.write_bytes(png)
                    alt = _redacted(texts.get(number, ""), reply, letter)
                    letter.pages.append(
                        LetterPage(
                            number=number,
                            src=path.resolve().as_uri(),
                            alt=" ".join(alt.split())
                            or f"Page {number} of the letter: no words could be read from it.",
                            path=path,
                        )
                    )
        yield reply


def _redacted(text, reply, letter):
    """A letter's words under the rules it was examined by: the reply's withheld names
    and the officer's words for this letter."""
    return redaction.redact(
        text,
        names=reply.withheld_names,
        words=letter.words,
        service_hosts=redaction.service_hosts(),
    )


def summary_rows(annex):
    return [
        (
            reply.organisation,
            reply.sector,
            reply.received,
            reply.stance,
            "Late" if reply.late else "",
        )
        for reply in annex.replies
    ]


def _paragraphs(text):
    return [
        block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n") if block.strip()
    ]


def render_html(annex, *, with_letter_pages=False):
    """The annex as one HTML document: the preview, and what the PDF is printed from."""
    return render_template(
        "publish/annex_document.html",
        annex=annex,
        headings=SUMMARY_HEADINGS,
        rows=summary_rows(annex),
        with_letter_pages=with_letter_pages,
    )


def build_html(annex, *, progress=lambda done: None):
    """The annex as a web page, letters as their redacted text; ``progress`` as for PDF."""
    with tempfile.TemporaryDirectory(prefix="annex-") as folder:
        for done, _reply in enumerate(prepare_letters(annex, folder, with_pages=False), start=1):
            progress(done)
    return render_html(annex).encode("utf-8")


# PDF, printed from the HTML by WeasyPrint


def build_pdf(annex, *, progress=lambda done: None):
    """The annex as tagged PDF bytes; ``progress`` is told after each reply's letter."""
    with tempfile.TemporaryDirectory(prefix="annex-") as folder:
        for done, _reply in enumerate(prepare_letters(annex, folder), start=1):
            progress(done)
        return render_pdf(annex, folder)


def render_pdf(annex, folder):
    html = render_html(annex, with_letter_pages=True)
    # Only the burned-in letter pages in ``folder`` are read; nothing from the network.
    fetcher = URLFetcher(allowed_protocols=("file",))
    document = HTML(
        string=html, base_url=Path(folder).resolve().as_uri() + "/", url_fetcher=fetcher
    )
    return document.write_pdf(pdf_variant="pdf/ua-1")


# Word, with python-docx


def build_docx(annex, *, progress=lambda done: None):
    """The annex as a Word file; ``progress`` is told after each reply."""
    with tempfile.TemporaryDirectory(prefix="annex-") as folder:
        for done, _reply in enumerate(prepare_letters(annex, folder, with_pages=False), start=1):
            progress(done)
    return render_docx(annex)


def render_docx(annex):
    document = Document()
    document.core_properties.title = annex.document_title
    document.core_properties.language = "en-GB"
    _page_numbers(document)
    document.add_heading(TITLE, level=0)
    document.add_heading(annex.title, level=1)
    document.add_paragraph(f"Reference: {annex.reference}")
    if annex.issued_on:
        document.add_paragraph(
            f"The council wrote to {annex.issued} partner{'' if annex.issued == 1 else 's'} "
            f"on {annex.issued_on}."
        )
    if annex.deadline:
        document.add_paragraph(f"Replies were asked for by {annex.deadline}.")
    if annex.preferred_option:
        document.add_paragraph(f"The preferred option: {annex.preferred_option}.")
    document.add_paragraph(annex.replied_sentence)
    document.add_heading("What has been taken out", level=2)
    document.add_paragraph(TAKEN_OUT)
    if annex.not_published:
        document.add_paragraph(annex.not_published_sentence)
    document.add_heading("Contents", level=2)
    _table_of_contents(document)

    _page_break(document)
    document.add_heading("Summary of replies", level=1)
    if annex.replies:
        table = document.add_table(rows=1, cols=len(SUMMARY_HEADINGS))
        table.style = "Table Grid"
        _repeat_header(table.rows[0])
        for cell, heading in zip(table.rows[0].cells, SUMMARY_HEADINGS, strict=True):
            cell.text = heading
        for row in summary_rows(annex):
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value
    else:
        document.add_paragraph("No replies are published.")
    if annex.not_published:
        document.add_paragraph(annex.not_published_sentence)
    if annex.schedule:
        _page_break(document)
        schedule.add_to_docx(document, annex.schedule_themes)

    for reply in annex.replies:
        _page_break(document)
        document.add_heading(reply.organisation, level=1)
        document.add_paragraph(reply.about)
        for paragraph in reply.paragraphs:
            document.add_paragraph(paragraph)
        if reply.signed:
            document.add_paragraph().add_run(reply.signed).bold = True
        letter = reply.letter
        if letter is not None:
            document.add_heading("The organisation's letter", level=2)
            if letter.could_not_be_checked:
                document.add_paragraph(letter.note)
            else:
                document.add_paragraph(
                    "The text of the letter, with personal details taken out"
                    + (f"; {letter.left_out_sentence}." if letter.left_out_pages else ".")
                    + (
                        " The letter's pages are reproduced in the PDF annex."
                        if letter.kind == "pdf"
                        else ""
                    )
                )
                for paragraph in letter.paragraphs:
                    document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_break(document):
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _field(paragraph, instruction, placeholder=""):
    """A Word field (a table of contents, a page number) that Word fills in on opening."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, shown, end):
        run._r.append(element)


def _table_of_contents(document):
    _field(
        document.add_paragraph(),
        r'TOC \o "1-1" \h \z \u',
        "The contents are filled in when the document is opened in Word.",
    )
    # Ask Word to fill in the fields when the file is opened.
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def _page_numbers(document):
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{TITLE} · {document.core_properties.title.split(': ', 1)[-1]} · Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")


def _repeat_header(row):
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
