"""Partners' letters examined for what must be taken out, and burned into page images
that keep none of the original text."""

import io
import math
import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytesseract
import pytest
from PIL import Image
from pypdf import PdfReader

from consult.redaction import EMAIL_REMOVED, NAME_WITHHELD, PHONE_REMOVED
from consult.redaction.letters import PAD, burned_pages, can_read_scans, examine, page_image
from tests.redaction import letter_fixtures as letters
from tests.services import require

NAMES = (letters.NAME,)


def tesseract():
    """Skip, or under CI fail, a test that needs Tesseract when it is not installed."""
    require(can_read_scans(), "Tesseract")


@pytest.fixture
def letter_pdf(tmp_path):
    return letters.text_letter(tmp_path / "letter.pdf")


def kinds(page):
    return sorted(box.kind for box in page.boxes)


def pixels(box, dpi):
    """The box's pixels on a page rendered at ``dpi``, without the padding burned round."""
    scale = dpi / 72
    return (
        round(box.x0 * scale),
        round(box.top * scale),
        round(box.x1 * scale),
        round(box.bottom * scale),
    )


def is_page_at(image, width, height, dpi):
    """Whether the image is a page of that size in points (to a pixel: pdfium rounds up)."""
    return all(
        abs(pixels - points * dpi / 72) <= 1
        for pixels, points in zip(image.size, (width, height), strict=True)
    )


def has_ink(image, box, dpi):
    return image.convert("L").crop(pixels(box, dpi)).getextrema()[0] < 128


# PDF letters with text


def test_a_letters_contact_details_and_withheld_name_are_boxed_on_their_own_pages(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)

    assert not letter.could_not_be_checked and letter.problem == ""
    assert [page.number for page in letter.pages] == [1, 2]
    first, second = letter.pages
    assert kinds(first) == ["email", "phone", "phone"]  # the letterhead's and the margin's
    assert kinds(second) == ["name", "phone"]  # the signature and the slanted number
    assert letter.found == 5
    assert not first.from_ocr and not second.from_ocr
    assert letters.EMAIL in first.text and letters.ROTATED_PHONE in first.text
    assert letters.NAME in second.text


def test_each_box_lies_over_what_was_found(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)
    for page in letter.pages:
        image = page_image(letter_pdf, page.number, [], dpi=100)
        for box in page.boxes:
            assert has_ink(image, box, 100), (page.number, box)
    email = next(box for box in letter.pages[0].boxes if box.kind == "email")
    assert email.x1 - email.x0 > 3 * (email.bottom - email.top)  # along the line, not down it
    margin = next(box for box in letter.pages[0].boxes if box.x0 < 50)
    assert margin.bottom - margin.top > 3 * (margin.x1 - margin.x0)  # written up the page


def test_a_letters_text_is_given_redacted(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)

    for taken_out in (letters.EMAIL, letters.PHONE, letters.ROTATED_PHONE, letters.NAME):
        assert taken_out not in letter.text
    assert f"Email {EMAIL_REMOVED}" in letter.text
    assert f"Tel {PHONE_REMOVED}" in letter.text
    assert f"{NAME_WITHHELD}, Headteacher" in letter.text
    assert "23 March 2017" in letter.text and "Option 3" in letter.text


def test_a_turned_and_cropped_page_is_boxed_where_it_is_shown(letter_pdf, tmp_path):
    path = letters.turned_and_cropped(letter_pdf, tmp_path / "turned.pdf")
    letter = examine(path, "pdf")

    (page,) = letter.pages
    assert (round(page.width), round(page.height)) == (700, 540)
    image = page_image(path, 1, [], dpi=100)
    assert is_page_at(image, 700, 540, 100)
    assert kinds(page) == ["email", "phone", "phone"]
    for box in page.boxes:
        assert has_ink(image, box, 100), box


def test_burned_pages_are_grey_images_black_in_every_box(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)
    pages = burned_pages(letter_pdf, letter)

    assert [number for number, _ in pages] == [1, 2]
    for (_, png), page in zip(pages, letter.pages, strict=True):
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.mode == "L"
        assert is_page_at(image, page.width, page.height, 150)
        for box in page.boxes:
            assert image.crop(pixels(box, 150)).getextrema() == (0, 0), box


def test_an_annex_made_of_burned_pages_has_no_text_at_all(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)
    annex = letters.pdf_of_images(png for _, png in burned_pages(letter_pdf, letter))

    reader = PdfReader(io.BytesIO(annex))
    assert len(reader.pages) == 2
    assert all(page.extract_text() == "" for page in reader.pages)
    with pdfplumber.open(io.BytesIO(annex)) as pdf:
        assert all(page.chars == [] and page.extract_text() == "" for page in pdf.pages)


def test_no_removed_text_can_be_read_back_from_a_burned_page(letter_pdf, tmp_path):
    tesseract()
    letter = examine(letter_pdf, "pdf", names=NAMES)
    annex = tmp_path / "annex.pdf"
    annex.write_bytes(letters.pdf_of_images(png for _, png in burned_pages(letter_pdf, letter)))

    read_back = examine(annex, "pdf", names=NAMES)

    assert all(page.from_ocr for page in read_back.pages)
    assert "Wales High School" in read_back.pages[0].text  # what stays is read
    assert "Headteacher" in read_back.pages[1].text
    assert read_back.found == 0
    for fragment in ("wales-high", "822000", "4567", "900123", "Smith"):
        assert fragment not in read_back.pages[0].text + read_back.pages[1].text


def test_pages_left_out_are_not_burned(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)
    assert [number for number, _ in burned_pages(letter_pdf, letter, leave_out={1})] == [2]


THREADS = """
import sys, threading
from pathlib import Path
from consult.redaction.letters import burned_pages, examine, page_image
path = Path(sys.argv[1])
letter = examine(path, "pdf")
def work():
    for _ in range(10):
        page_image(path, 1, letter.pages[0].boxes, burn=False)
        burned_pages(path, letter)
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def test_pages_are_drawn_from_several_threads_at_once_without_crashing(letter_pdf):
    """The web app draws the officer's check in threads while a build may burn pages in
    the same process; unlocked, PDFium corrupts its heap within a few pages. A crash
    would kill the process, so the threads run in one of their own."""
    finished = subprocess.run(
        [sys.executable, "-c", THREADS, str(letter_pdf)],
        capture_output=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]


def test_the_officers_check_outlines_each_box_in_red_and_leaves_it_readable(letter_pdf):
    letter = examine(letter_pdf, "pdf", names=NAMES)
    email = next(box for box in letter.pages[0].boxes if box.kind == "email")
    image = page_image(letter_pdf, 1, [email], dpi=100, burn=False)

    x0, top, x1, bottom = pixels(email, 100)
    assert image.mode == "RGB"
    outline = math.floor((email.x0 - PAD) * 100 / 72) + 1
    assert image.getpixel((outline, (top + bottom) // 2)) == (0xD4, 0x35, 0x1C)
    inside = image.crop((x0 + 4, top + 3, x1 - 4, bottom - 3))
    reds = inside.getchannel("R").getextrema()
    assert reds[1] > 200  # the fill is translucent: paper shows through
    assert reds[0] < 150  # and so do the letters
    burned = page_image(letter_pdf, 1, [email], dpi=100)
    assert burned.crop((x0, top, x1, bottom)).convert("L").getextrema() == (0, 0)


# Scans


def test_a_scanned_letter_is_read_by_text_recognition(letter_pdf, tmp_path):
    tesseract()
    scan = letters.scan_of(letter_pdf, tmp_path / "scan.pdf", dpi=200)

    letter = examine(scan, "pdf", names=NAMES)

    (page,) = letter.pages
    assert page.from_ocr and not letter.could_not_be_checked
    assert {"email", "phone"} <= set(kinds(page))
    assert f"Email {EMAIL_REMOVED}" in letter.text and f"Tel {PHONE_REMOVED}" in letter.text
    assert letters.EMAIL not in letter.text
    image = page_image(scan, 1, [], dpi=100)
    for box in page.boxes:
        assert has_ink(image, box, 100), box


def test_a_blank_scan_could_not_be_checked(tmp_path):
    tesseract()
    letter = examine(letters.blank_scan(tmp_path / "blank.pdf"), "pdf")

    assert letter.could_not_be_checked
    assert letter.problem == (
        "Page 1 is a scan and no words could be read from it, so it could not be checked."
    )
    assert letter.pages[0].from_ocr and letter.found == 0


def test_several_blank_scans_are_named_in_one_sentence(tmp_path):
    tesseract()
    letter = examine(letters.blank_scan(tmp_path / "blank.pdf", pages=3), "pdf")

    assert letter.problem == (
        "Pages 1, 2 and 3 are scans and no words could be read from them, "
        "so they could not be checked."
    )


def test_a_scan_cannot_be_checked_without_tesseract(letter_pdf, tmp_path, monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "missing"))
    scan = letters.scan_of(letter_pdf, tmp_path / "scan.pdf", dpi=100)

    letter = examine(scan, "pdf")

    assert not can_read_scans()
    assert letter.could_not_be_checked and letter.found == 0
    assert letter.problem == (
        "Page 1 is a scan and text recognition (Tesseract) is not installed on this server, "
        "so it could not be checked."
    )


# Word letters and damaged files


def test_a_word_letters_paragraphs_tables_and_header_are_redacted(tmp_path):
    letter = examine(letters.word_letter(tmp_path / "letter.docx"), "docx", names=NAMES)

    assert letter.kind == "docx" and letter.pages == [] and not letter.could_not_be_checked
    assert f"Please write to {EMAIL_REMOVED} with the outcome." in letter.text
    assert f"Office\n{PHONE_REMOVED}" in letter.text
    assert f"Head\n{NAME_WITHHELD}" in letter.text
    assert f"Moorgate Nursery, {PHONE_REMOVED}" in letter.text
    assert "01632" not in letter.text and "0114" not in letter.text


@pytest.mark.parametrize("kind", ["pdf", "docx"])
@pytest.mark.parametrize("damage", ["random bytes", "half a letter", "empty", "missing"])
def test_a_damaged_file_could_not_be_read(tmp_path, letter_pdf, kind, damage):
    path = tmp_path / f"damaged.{kind}"
    if damage == "random bytes":
        path.write_bytes(os.urandom(4000))
    elif damage == "half a letter":
        whole = letter_pdf.read_bytes()
        if kind == "docx":
            whole = letters.word_letter(tmp_path / "whole.docx").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "empty":
        path.write_bytes(b"")

    letter = examine(path, kind)

    assert letter.could_not_be_checked
    assert letter.problem == "The file could not be read."
    assert letter.pages == [] and letter.found == 0
