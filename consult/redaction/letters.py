"""Partners' letters as the council will publish them: what in each must be taken out,
where it is on the page, and the pages as images with it burned in.

``examine`` reads a PDF's characters with pdfplumber (a page with none is a scan, read
by Tesseract) and boxes everything ``redaction.find`` finds; ``page_image`` draws the
boxes for the officer's check; ``burned_pages`` paints them black on images that carry no
text at all, which is what the annex includes. A Word letter gives its redacted text.

Coordinates are PDF points from the top-left of the page as it is shown (its crop box,
turned by its /Rotate), which is also what pypdfium2 renders, so a box drawn on a
rendered page lands on what was found.
"""

import io
import math
import os
import shutil
import threading
import zipfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pdfplumber
import pypdfium2
import pytesseract
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.parts.hdrftr import FooterPart, HeaderPart
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage
from PIL import Image, ImageDraw

from consult import redaction

UNREADABLE = "The file could not be read."
# What python-docx lets through for a file that is not a sound Word document.
DOCX_ERRORS = (
    OSError,
    PackageNotFoundError,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    XMLSyntaxError,
)
PAD = 1.5  # points added round each box, so antialiased edges of letters are covered too
CHECK_OUTLINE = (0xD4, 0x35, 0x1C)  # GOV.UK red
CHECK_FILL = (0xD4, 0x35, 0x1C, 60)  # translucent, so the officer can read what goes
# A page is read as a scan when it has no text, or when an image covers this share of it
# and only a few characters are written over it (a page number, a "received" stamp).
SCAN_IMAGE_SHARE = 0.5
SCAN_FEW_CHARACTERS = 40
# Published pages keep 16 shades of grey, which text does not need more of: the PNG is a
# fifth smaller, and zlib's usual level then is within 5% of its best at a fifth of the time.
GREYS = [min(255, round(shade / 17) * 17) for shade in range(256)]
# Tesseract's resolution for a scan: that of its image, kept within these bounds.
OCR_DPI = (150, 300)
# PDFium allows one call at a time in a process, whatever the documents: two at once
# crash it (pypdfium2's "Incompatibility with Threading"). The web app's threads and a
# build in the same process share this lock; the worker's processes each have their own.
PDFIUM = threading.RLock()


@dataclass
class Box:
    x0: float
    top: float
    x1: float
    bottom: float
    kind: str  # a redaction.Finding kind: "email", "phone", "link", "token", "name", "words"


@dataclass
class LetterPage:
    number: int  # from 1
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    from_ocr: bool = False
    text: str = ""  # as read, before anything is taken out


@dataclass
class ExaminedLetter:
    kind: str  # "pdf" or "docx"
    pages: list[LetterPage] = field(default_factory=list)  # none for Word letters
    text: str = ""  # the whole letter, redacted
    could_not_be_checked: bool = False
    problem: str = ""  # a sentence for the officer when it could not be checked

    @property
    def found(self):
        return sum(len(page.boxes) for page in self.pages)


def examine(path, kind, *, names=(), words=(), service_hosts=()):
    """What must be taken out of the letter at ``path``, a "pdf" or a "docx"; a file that
    cannot be read, or a scan in which no words can be read, is said to be so."""
    rules = {"names": names, "words": words, "service_hosts": service_hosts}
    if kind == "pdf":
        return _examine_pdf(Path(path), rules)
    if kind == "docx":
        return _examine_docx(Path(path), rules)
    raise ValueError(f"a letter is a pdf or a docx, not {kind!r}")


def can_read_scans():
    """Whether Tesseract is installed, without which no scan can be checked."""
    return shutil.which(pytesseract.pytesseract.tesseract_cmd) is not None


def page_image(path, page_number, boxes, *, dpi=100, burn=True):
    """Page ``page_number`` of the PDF at ``path`` with ``boxes`` painted black
    (``burn``) or, for the officer's check, outlined in red over a translucent fill."""
    with _document(path) as pdf:
        image = _render(pdf, page_number, dpi, grayscale=False)
    if burn:
        _burn(image, boxes, dpi)
        return image
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(2, round(dpi / 36))
    for box in boxes:
        draw.rectangle(_pixels(box, dpi), fill=CHECK_FILL, outline=CHECK_OUTLINE, width=width)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def burned_pages(path, letter, *, leave_out=(), dpi=150):
    """(page number, PNG) for each page of ``letter`` not in ``leave_out``: the page as a
    grayscale image with its boxes painted black, so no text of the original survives.
    Raises pypdfium2.PdfiumError if the file cannot be rendered."""
    burned = []
    with _document(path) as pdf:
        for page in letter.pages:
            if page.number in leave_out:
                continue
            image = _render(pdf, page.number, dpi, grayscale=True).point(GREYS)
            _burn(image, page.boxes, dpi)
            buffer = io.BytesIO()
            image.save(buffer, "PNG", compress_level=6)
            burned.append((page.number, buffer.getvalue()))
    return burned


# PDF letters


@dataclass
class _Layer:
    """What one page's text layer holds."""

    number: int
    width: float
    height: float
    chars: list  # dicts made by _moved, on the page as shown
    is_scan: bool
    ocr_dpi: int


def _examine_pdf(path, rules):
    try:
        data = path.read_bytes()
        parsed = _parsed(data)
    except Exception:
        # pdfminer has no single error for a damaged file: besides its own PSException
        # and pdfplumber's PdfminerException it lets KeyError, TypeError, ValueError,
        # struct.error, zlib.error and others through. A letter that cannot be parsed is
        # told to the officer, never a failed annex.
        return ExaminedLetter("pdf", could_not_be_checked=True, problem=UNREADABLE)
    layers = [_layer(*page) for page in parsed]
    pages = []
    unread = []  # (page number, why)
    pdf = None  # opened for the first scan only
    opened = ExitStack()
    try:
        for layer in layers:
            page = LetterPage(layer.number, layer.width, layer.height)
            page.text, page.boxes = _find_in_chars(layer.chars, rules)
            if layer.is_scan:
                if pdf is None:
                    pdf = opened.enter_context(_document(data))
                image = _render(pdf, layer.number, layer.ocr_dpi, grayscale=True)
                ocr_text, ocr_boxes, why = _read_scan(image, layer.ocr_dpi, rules)
                page.from_ocr = True
                page.text = "\n\n".join(text for text in (ocr_text, page.text) if text)
                page.boxes = ocr_boxes + page.boxes
                if why:
                    unread.append((layer.number, why))
            page.boxes = _on_page(page.boxes, page.width, page.height)
            pages.append(page)
    except pypdfium2.PdfiumError:
        return ExaminedLetter("pdf", could_not_be_checked=True, problem=UNREADABLE)
    finally:
        opened.close()
    text = "\n\n".join(page.text for page in pages)
    return ExaminedLetter(
        "pdf",
        pages,
        redaction.redact(text, **rules),
        could_not_be_checked=bool(unread),
        problem=_unread_problem(unread),
    )


def _parsed(data):
    """Each page's number, pdfminer page, height, and pdfminer's objects on it, which
    pdfplumber gives as ``page.layout``: turning every object into pdfplumber's dicts
    (``page.chars``) took three quarters of the time of a page."""
    parsed = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            layout = page.layout
            parsed.append((page.page_number, page.page_obj, layout.height, list(_objects(layout))))
            page.close()
    return parsed


def _layer(number, page_obj, height, objects):
    left, top, right, bottom = _shown_rect(page_obj, height)
    width, height_shown = right - left, bottom - top
    chars, images, marks = [], [], 0
    for obj in objects:
        if isinstance(obj, LTChar):
            text = obj.get_text()
            if text.strip() or text == " ":
                chars.append(_moved(obj, text, height, left, top))
        elif isinstance(obj, LTImage):
            images.append(obj)
        else:
            marks += isinstance(obj, LTCurve)
    printable = sum(1 for char in chars if char["text"] != " ")
    image = max(images, key=lambda image: image.width * image.height, default=None)
    covered = image.width * image.height / (width * height_shown) if image and width else 0
    is_scan = printable == 0 and bool(images or marks)
    is_scan |= covered >= SCAN_IMAGE_SHARE and printable < SCAN_FEW_CHARACTERS
    return _Layer(number, width, height_shown, chars, is_scan, _ocr_dpi(image))


def _objects(container):
    for obj in container:
        if isinstance(obj, LTContainer):
            yield from _objects(obj)
        else:
            yield obj


def _shown_rect(page_obj, height):
    """The crop box in pdfplumber's coordinates (left, top, right, bottom): pdfminer turns
    the page by its /Rotate about the media box (pdfminer.pdfinterp process_page), and
    pdfplumber measures from the top; pdfplumber itself ignores the crop box."""
    x0, y0, x1, y1 = page_obj.mediabox
    rotate = page_obj.rotate
    if rotate == 90:
        ctm = (0, -1, 1, 0, -y0, x1)
    elif rotate == 180:
        ctm = (-1, 0, 0, -1, x1, y1)
    elif rotate == 270:
        ctm = (0, 1, -1, 0, y1, -x0)
    else:
        ctm = (1, 0, 0, 1, -x0, -y0)
    a, b, c, d, e, f = ctm
    cx0, cy0, cx1, cy1 = page_obj.cropbox
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in (cx0, cx1) for y in (cy0, cy1)]
    xs = [x for x, _ in corners]
    tops = [height - y for _, y in corners]
    return min(xs), min(tops), max(xs), max(tops)


def _moved(char, text, height, left, top):
    """pdfminer's character as a dict with its glyph's box (``box``, on the page as
    shown) and its baseline: ``angle``, ``along`` and ``across`` it, and its ``advance``
    and ``em``, in points, for putting characters back into lines."""
    a, b, _, _, e, f = char.matrix
    x0, y0, x1, y1, em = _glyph_box(char)
    scale = math.hypot(a, b) or 1
    ux, uy = a / scale, b / scale
    return {
        "text": text,
        # pdfminer measures up from the bottom of the page, pdfplumber down from the top.
        "box": (x0 - left, height - y1 - top, x1 - left, height - y0 - top),
        "angle": round(math.degrees(math.atan2(uy, ux))) % 360,
        "along": ux * e + uy * f,
        "across": ux * f - uy * e,
        "advance": char.adv * scale,
        "em": em or 1,
    }


def _glyph_box(char):
    """(x0, y0, x1, y1) of the whole glyph, and its height across the baseline.

    pdfminer's box joins two opposite corners of the glyph, M(0, descent) and
    M(advance, descent + size) for the text matrix M, which is the whole glyph only when
    it is upright or turned by a right angle. Otherwise those two corners are found among
    the box's, and the glyph's four corners taken from them."""
    a, b, c, d, e, f = char.matrix
    if b == c == 0 or a == d == 0:
        return char.x0, char.y0, char.x1, char.y1, char.height if b == 0 else char.width
    det = a * d - b * c
    if abs(det) < 1e-9 or char.adv <= 0:
        return char.x0, char.y0, char.x1, char.y1, max(char.width, char.height)

    def glyph_space(x, y):
        return (d * (x - e) - c * (y - f)) / det, (a * (y - f) - b * (x - e)) / det

    corners = [(x, y) for x in (char.x0, char.x1) for y in (char.y0, char.y1)]
    pairs = [(glyph_space(*corners[i]), glyph_space(*corners[3 - i])) for i in range(4)]
    (_, low), (_, high) = min(pairs, key=lambda p: abs(p[0][0]) + abs(p[1][0] - char.adv))
    low, high = sorted((low, high))
    points = [(a * u + c * v + e, b * u + d * v + f) for u in (0, char.adv) for v in (low, high)]
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys), (high - low) * math.hypot(c, d)


def _ocr_dpi(image):
    """The resolution of a scan's image, which is what Tesseract should read it at."""
    if not image or image.width <= 0:
        return 200
    dpi = image.srcsize[0] / (image.width / 72)
    return round(min(max(dpi, OCR_DPI[0]), OCR_DPI[1]))


def _find_in_chars(chars, rules):
    """The page's text, and a box for each line of each finding. The text is put together
    twice: in reading order (lines by direction and baseline) and in the order the PDF
    draws it, so a finding is caught whichever way its writer's software laid it out."""
    for number, char in enumerate(chars):
        char["n"] = number
    lines = _lines(chars)
    line_of = {char["n"]: number for number, line in enumerate(lines) for char in line}
    text, at = _joined(lines, split_lines=False)
    found = _findings(text, at, rules) | _findings(*_joined([chars], split_lines=True), rules)
    boxes = []
    for kind, members in _widest(found):
        by_line = {}
        for n in members:
            by_line.setdefault(line_of[n], []).append(chars[n]["box"])
        boxes += [_around(line_boxes, kind) for line_boxes in by_line.values()]
    return text, boxes


def _around(boxes, kind):
    return Box(
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
        kind,
    )


def _lines(chars):
    """Characters in lines: those sharing a direction and a baseline, in order along it."""
    lines = []
    ordered = sorted(chars, key=lambda char: (char["angle"], -char["across"]))
    for char in ordered:
        line = lines[-1] if lines else None
        if (
            line
            and line[0]["angle"] == char["angle"]
            and abs(line[0]["across"] - char["across"]) <= 0.5 * line[0]["em"]
        ):
            line.append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda char: char["along"]) for line in lines]


def _joined(runs, *, split_lines):
    """The text of runs of characters, one run to a line, with a space where the letters
    stand apart; and which character each position of the text is (None for a space or
    line break put in). With ``split_lines`` a run is broken where the next character
    does not carry on the line."""
    pieces = []
    at = []
    for run in runs:
        before = None
        for char in run:
            if before is not None and _drawn_twice(char, before):
                continue
            if before is not None:
                gap = char["along"] - before["along"] - before["advance"]
                same_line = (
                    char["angle"] == before["angle"]
                    and abs(char["across"] - before["across"]) <= 0.5 * before["em"]
                    and -0.5 * before["em"] <= gap <= 3 * before["em"]
                )
                if split_lines and not same_line:
                    pieces.append("\n")
                    at.append(None)
                elif gap > 0.15 * before["em"] and " " not in (char["text"], before["text"]):
                    pieces.append(" ")
                    at.append(None)
            pieces.append(char["text"])
            at.extend([char] * len(char["text"]))
            before = char
        pieces.append("\n")
        at.append(None)
    return "".join(pieces), at


def _drawn_twice(char, before):
    """A letter printed again a fraction of a point on, as some software makes bold."""
    return (
        char["text"] == before["text"]
        and char["angle"] == before["angle"]
        and abs(char["along"] - before["along"]) < 0.3 * before["advance"]
        and abs(char["across"] - before["across"]) < 0.1 * before["em"]
    )


def _findings(text, at, rules):
    """Each finding as (kind, the numbers of the characters it covers)."""
    found = set()
    for finding in redaction.find(text, **rules):
        members = frozenset(
            char["n"] for char in at[finding.start : finding.end] if char and char["text"].strip()
        )
        if members:
            found.add((finding.kind, members))
    return found


def _widest(found):
    """The findings, without any that another finding covers."""
    kept = []
    for kind, members in sorted(found, key=lambda item: -len(item[1])):
        if not any(members <= other for _, other in kept):
            kept.append((kind, members))
    return kept


def _read_scan(image, dpi, rules):
    """Tesseract's text of a scanned page, its boxes, and why no words were read if so."""
    # Tesseract's OpenMP threads make it ten times slower on a two-core server, where
    # pages are read side by side anyway; pytesseract passes os.environ to it.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data = pytesseract.image_to_data(image, lang="eng", output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError:
        return "", [], "tesseract"
    except pytesseract.TesseractError:
        return "", [], "no words"
    scale = 72 / dpi
    words = []
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            x0, top = data["left"][i] * scale, data["top"][i] * scale
            right = x0 + data["width"][i] * scale
            bottom = top + data["height"][i] * scale
            words.append((word.strip(), line, (x0, top, right, bottom)))
    if not words:
        return "", [], "no words"
    pieces = []
    at = []
    for i, (word, line, _) in enumerate(words):
        if i:
            before, before_line, _ = words[i - 1]
            # Tesseract splits an address at its @ (jane.smith @school.example).
            joined = line == before_line and "@" in (before[-1], word[0])
            separator = "" if joined else " " if line == before_line else "\n"
            pieces.append(separator)
            at.extend([None] * len(separator))
        pieces.append(word)
        at.extend([i] * len(word))
    text = "".join(pieces)
    boxes = []
    for finding in redaction.find(text, **rules):
        by_line = {}
        for i in sorted({i for i in at[finding.start : finding.end] if i is not None}):
            by_line.setdefault(words[i][1], []).append(words[i][2])
        boxes += [_around(line_boxes, finding.kind) for line_boxes in by_line.values()]
    return text, boxes, None


def _on_page(boxes, width, height):
    """Boxes cut to the page as shown; what lies wholly off it is never rendered."""
    kept = []
    for box in boxes:
        x0, top = max(box.x0, 0), max(box.top, 0)
        x1, bottom = min(box.x1, width), min(box.bottom, height)
        if x0 < x1 and top < bottom:
            kept.append(Box(x0, top, x1, bottom, box.kind))
    return kept


def _unread_problem(unread):
    """A sentence for the officer for each reason pages could not be read."""
    sentences = []
    for why in ("no words", "tesseract"):
        numbers = [number for number, reason in unread if reason == why]
        if len(numbers) == 1:
            pages, them, they = f"Page {numbers[0]} is a scan", "it", "it"
        elif numbers:
            listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            pages, them, they = f"Pages {listed} are scans", "them", "they"
        else:
            continue
        if why == "no words":
            reason = f"no words could be read from {them}"
        else:
            reason = "text recognition (Tesseract) is not installed on this server"
        sentences.append(f"{pages} and {reason}, so {they} could not be checked.")
    return " ".join(sentences)


# Rendering


@contextmanager
def _document(source):
    """The PDF at a path, or in bytes, opened and closed under ``PDFIUM``."""
    with PDFIUM:
        pdf = pypdfium2.PdfDocument(source)
    try:
        yield pdf
    finally:
        with PDFIUM:
            pdf.close()


def _render(pdf, number, dpi, *, grayscale):
    """Page ``number`` as shown, without its annotations: comments, stamps and form
    fields are not in the text that was checked, so they are not published either. The
    image is a copy, so nothing of PDFium's is left to be freed outside the lock."""
    with PDFIUM:
        page = pdf[number - 1]
        try:
            bitmap = page.render(
                scale=dpi / 72, grayscale=grayscale, draw_annots=False, may_draw_forms=False
            )
            try:
                return bitmap.to_pil().convert("L" if grayscale else "RGB")
            finally:
                bitmap.close()
        finally:
            page.close()


def _pixels(box, dpi):
    scale = dpi / 72
    return (
        math.floor((box.x0 - PAD) * scale),
        math.floor((box.top - PAD) * scale),
        math.ceil((box.x1 + PAD) * scale),
        math.ceil((box.bottom + PAD) * scale),
    )


def _burn(image, boxes, dpi):
    draw = ImageDraw.Draw(image)
    for box in boxes:
        draw.rectangle(_pixels(box, dpi), fill="black")


# Word letters


def _examine_docx(path, rules):
    try:
        document = docx.Document(path)
    except (
        OSError,
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        XMLSyntaxError,
    ):
        return ExaminedLetter("docx", could_not_be_checked=True, problem=UNREADABLE)
    text = "\n".join(_docx_paragraphs(document))
    return ExaminedLetter("docx", text=redaction.redact(text, **rules))


def _docx_paragraphs(document):
    """Every paragraph's text: the body's, with its tables and text boxes, then every
    header's and footer's, where letterheads are."""
    parts = [document.element.body]
    parts += [
        part.element
        for part in document.part.package.iter_parts()
        if isinstance(part, HeaderPart | FooterPart)
    ]
    for part in parts:
        for paragraph in part.iter(qn("w:p")):
            yield Paragraph(paragraph, None).text
