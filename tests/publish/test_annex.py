"""The annex never leaks: no link or token of ours, no planted email address or phone
number (in replies or in the letters partners sent, scans included), no partner who
declined publication; and it is an accessible document."""

import hashlib
import html
import io
import re
import zipfile
from datetime import timedelta

import pdfplumber
import pypdfium2
import pytest
from docx import Document
from pypdf import PdfReader
from pypdf.generic import ByteStringObject, DictionaryObject, IndirectObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.db import utcnow
from consult.extensions import db
from consult.files.services import store_bytes
from consult.issuing import services as issuing
from consult.publish import services
from consult.publish.models import AnnexBuild, LetterCheck
from consult.requests.models import Request
from consult.requests.partner_emails import partner_link_url
from consult.requests.tokens import create_token
from consult.respond.models import Response
from consult.respond.services import record_response
from tests import factories
from tests.publish.test_publish import app_upload_dir
from tests.services import require, tesseract_available
from worker.tasks.publish import build_annex

PLANTED = (
    "jane.smith@wales-high.example",
    "01709 822000",
    "+44 114 496 0123",
    "07700 900123",
    "+353 1 234 5678",
)


def letter_pdf(lines_by_page):
    """A letter as a partner's word processor would make it: real text, two pages."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for lines in lines_by_page:
        for number, line in enumerate(lines):
            page.drawString(72, 760 - number * 20, line)
        page.showPage()
    page.save()
    return buffer.getvalue()


def scanned(pdf):
    """The same letter printed and scanned: pages as pictures, no text at all."""
    document = pypdfium2.PdfDocument(pdf)
    images = [page.render(scale=200 / 72).to_pil().convert("L") for page in document]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=200)
    return buffer.getvalue()


LETTER = [
    [
        "Wales High School, Storth Lane, Kiveton Park",
        "Email jane.smith@wales-high.example   Tel 01709 822000",
        "Dear Chief Executive,",
        "We support Option 3 on condition that the partner has a proven record.",
    ],
    [
        "Ring the office on +44 114 496 0123 or my mobile 07700 900123.",
        "Our Dublin partner is on +353 1 234 5678.",
        "Yours sincerely,",
        "Morgan Ellis, Headteacher",
    ],
]


def with_link(lines_by_page, token):
    """The letter with the partner's own link and its code copied onto its first page."""
    first, *rest = lines_by_page
    return [
        [*first, f"Our link: {partner_link_url(token)}", f"The code was {token}"],
        *rest,
    ]


def annex_text(annex_format, data):
    """Everything the annex says, in any format."""
    if annex_format == "pdf":
        return every_string(data)
    if annex_format == "docx":
        return docx_text(data)
    return html.unescape(data.decode("utf-8"))


def every_string(data):
    """Every string in a PDF: its text as extracted, each string object anywhere in it
    (titles, alternative text, bookmarks), and its uncompressed content streams."""
    reader = PdfReader(io.BytesIO(data))
    found = [page.extract_text() or "" for page in reader.pages]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        found += [page.extract_text() or "" for page in pdf.pages]
    seen = set()

    def walk(value):
        if isinstance(value, IndirectObject):
            if value.idnum in seen:
                return
            seen.add(value.idnum)
            value = value.get_object()
        if isinstance(value, TextStringObject | ByteStringObject):
            found.append(str(value) if isinstance(value, TextStringObject) else value.hex())
        elif isinstance(value, DictionaryObject):
            for item in value.values():
                walk(item)
            if hasattr(value, "get_data") and value.get("/Subtype") != "/Image":
                found.append(value.get_data().decode("latin-1"))
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(reader.trailer)
    return "\n".join(found)


def image_count(data):
    """How many distinct images the PDF holds (WeasyPrint shares one resource list)."""
    reader = PdfReader(io.BytesIO(data))
    images = set()
    for page in reader.pages:
        objects = page["/Resources"].get_object().get("/XObject", {})
        for reference in objects.get_object().values():
            if reference.get_object().get("/Subtype") == "/Image":
                images.add(reference.idnum)
    return len(images)


def built(consultation, annex_format):
    annex_build = services.request_annex(consultation, annex_format)
    db.session.commit()
    build_annex(annex_build.id)
    db.session.expire_all()
    annex_build = db.session.get(AnnexBuild, annex_build.id)
    assert annex_build.status == "done", annex_build.error
    return annex_build, (app_upload_dir() / annex_build.stored_file.storage_name).read_bytes()


def docx_text(data):
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    # Everything in the package, headers and footers and properties included.
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts += [package.read(name).decode("utf-8", "replace") for name in package.namelist()]
    return "\n".join(parts)


@pytest.fixture
def consultation(app):
    officer = factories.create_user("officer")
    schools = [
        factories.create_organisation(name)
        for name in ("Aston Hall School", "Wales High School", "Wingfield Academy")
    ]
    consultation = factories.create_ready_consultation(officer, schools)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    return consultation


def request_of(consultation, name):
    return next(
        request
        for request in db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id)
        )
        if request.organisation.name == name
    )


def reply(consultation, name, *, days=1, letter=None, **fields):
    request = request_of(consultation, name)
    response = record_response(
        request,
        stance=fields.pop("stance", "supports"),
        received_at=utcnow() - timedelta(days=10) + timedelta(days=days),
        letter_file_id=letter.id if letter is not None else None,
        **fields,
    )
    db.session.commit()
    return response


def test_a_reply_that_quotes_its_own_invitation_publishes_no_link_and_no_token(consultation):
    request = request_of(consultation, "Wales High School")
    _row, token = create_token(request.links[0])
    db.session.commit()
    link = partner_link_url(token)
    reply(
        consultation,
        "Wales High School",
        comments=(
            "We support Option 3.\n\n"
            "From: Chief Executive\nSent: 23 March 2017 10:02\nSubject: Consultation\n\n"
            f"Give your response here: {link}\n"
            f"Or open consult.council.example/invitations/{token} in a browser.\n"
            f"Your code is {token}."
        ),
        responder_name="Pat Lee",
    )

    for annex_format in ("pdf", "docx", "html"):
        _build, data = built(consultation, annex_format)
        if annex_format == "pdf":
            text = every_string(data)
        elif annex_format == "docx":
            text = docx_text(data)
        else:
            text = data.decode("utf-8")
        assert "We support Option 3." in re.sub(r"\s+", " ", text), annex_format
        assert token not in text, annex_format
        assert token[:20] not in text, annex_format
        assert "/r/" not in text and "/invitations/" not in text, annex_format
        assert "consult.council.example" not in text, annex_format
        assert "[link removed]" in text, annex_format


def test_no_planted_address_or_number_survives_in_letters_or_scans(consultation):
    require(tesseract_available(), "Tesseract")
    letter = letter_pdf(LETTER)
    _row, token = create_token(request_of(consultation, "Wales High School").links[0])
    db.session.commit()
    reply(
        consultation,
        "Wales High School",
        comments="Our letter is attached. Write to office@wales-high.example.",
        letter=store_bytes(letter_pdf(with_link(LETTER, token)), "letter.pdf", "pdf"),
    )
    reply(
        consultation,
        "Aston Hall School",
        days=2,
        comments="Our signed letter is attached.",
        letter=store_bytes(scanned(letter), "scan.pdf", "pdf"),
    )

    annex_build, pdf = built(consultation, "pdf")
    strings = every_string(pdf)
    for planted in (*PLANTED, "office@wales-high.example"):
        assert planted not in strings
        digits = re.sub(r"\D", "", planted)
        if digits:
            assert digits not in re.sub(r"\D", "", strings.replace("\n", " "))
    assert "wales-high.example" not in strings
    # The letters' own words are there, in the pages' alternative text.
    assert "proven record" in strings
    # Each letter's two pages went in as burned-in images.
    assert image_count(pdf) == 4
    assert annex_build.done == annex_build.total == 2

    for annex_format in ("pdf", "docx", "html"):
        _build, data = built(consultation, annex_format)
        words = annex_text(annex_format, data)
        assert "proven record" in words, annex_format
        for planted in PLANTED:
            assert planted not in words, annex_format
        # The partner's own link and code, copied into the letter, are taken out.
        assert "Our link: [link removed]" in words, annex_format
        assert "The code was [link removed]" in words, annex_format
        assert token not in words and token[:20] not in words, annex_format
        assert "/r/" not in words and "consult.council.example" not in words, annex_format


def test_the_burned_pages_are_black_where_the_details_were(consultation, tmp_path):
    from consult.redaction import letters

    path = tmp_path / "letter.pdf"
    path.write_bytes(letter_pdf(LETTER))
    examined = letters.examine(path, "pdf", names=["Morgan Ellis"])
    kinds = sorted(box.kind for page in examined.pages for box in page.boxes)
    assert kinds.count("email") == 1 and kinds.count("phone") == 4 and "name" in kinds
    pages = letters.burned_pages(path, examined, leave_out=[2], dpi=100)
    assert [number for number, _png in pages] == [1]


def test_a_reply_not_to_be_published_is_neither_quoted_nor_named(consultation):
    reply(
        consultation,
        "Wingfield Academy",
        comments="A private view that must not appear.",
        responder_name="Jo Bloggs",
        publication="do_not_publish",
    )
    reply(
        consultation,
        "Aston Hall School",
        days=2,
        comments="Sam Kent writes: we support it.",
        responder_name="Sam Kent",
        publication="publish_without_name",
        letter=store_bytes(
            letter_pdf([["We support it.", "Yours, Sam Kent"]]), "letter.pdf", "pdf"
        ),
    )
    for annex_format in ("pdf", "docx", "html"):
        _build, data = built(consultation, annex_format)
        text = {
            "pdf": every_string,
            "docx": docx_text,
            "html": lambda data: html.unescape(data.decode("utf-8")),
        }[annex_format](data)
        flat = re.sub(r"\s+", " ", text)
        assert "Wingfield Academy" not in flat, annex_format
        assert "must not appear" not in flat and "Jo Bloggs" not in flat, annex_format
        assert "1 reply is not published, at the partner's request." in flat, annex_format
        assert "Sam Kent" not in flat, annex_format
        assert "Aston Hall School" in flat, annex_format


def test_the_pdf_is_tagged_in_english_with_a_bookmark_per_partner_and_page_numbers(
    consultation,
):
    reply(consultation, "Wales High School", comments="We support it.")
    reply(consultation, "Aston Hall School", days=2, comments="We support it too.")
    _build, pdf = built(consultation, "pdf")
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == f"Letters from Partners: {consultation.title}"

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    bookmarks = list(titles(reader.outline))
    assert "Summary of replies" in bookmarks
    assert "Wales High School" in bookmarks and "Aston Hall School" in bookmarks
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last


def test_the_word_annex_has_headings_contents_page_numbers_and_a_repeating_header(
    consultation,
):
    reply(consultation, "Wales High School", comments="We support it.")
    _build, data = built(consultation, "docx")
    document = Document(io.BytesIO(data))
    headings = [
        (paragraph.style.name, paragraph.text)
        for paragraph in document.paragraphs
        if paragraph.style.name.startswith(("Heading", "Title"))
    ]
    assert ("Title", "Letters from Partners") in headings
    assert ("Heading 1", "Summary of replies") in headings
    assert ("Heading 1", "Wales High School") in headings
    body = document.element.body.xml
    assert 'TOC \\o "1-1"' in body
    assert "w:tblHeader" in body
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert document.core_properties.language == "en-GB"


# Check redactions, and publishing


def test_the_officer_checks_a_letter_adds_words_and_leaves_a_page_out(
    consultation, client, sign_in
):
    stored = store_bytes(letter_pdf(LETTER), "letter.pdf", "pdf")
    reply(consultation, "Wales High School", letter=stored, comments="See our letter.")
    sign_in("officer")

    listing = client.get(f"/consultations/{consultation.id}/letters")
    assert listing.status_code == 200
    assert "1 not yet checked" in listing.get_data(as_text=True)
    page = client.get(f"/consultations/{consultation.id}/letters/{stored.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 email address" in html and "4 phone numbers" in html
    assert f"/letters/{stored.id}/pages/2.png" in html
    image = client.get(f"/consultations/{consultation.id}/letters/{stored.id}/pages/1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert image.headers["Cache-Control"] == "no-store"
    assert (
        client.get(f"/consultations/{consultation.id}/letters/{stored.id}/pages/9.png").status_code
        == 404
    )

    saved = client.post(
        f"/consultations/{consultation.id}/letters/{stored.id}",
        data={"words": "Storth Lane\nKiveton Park", "left_out_pages": ["2"]},
    )
    assert saved.status_code == 302
    check = db.session.scalar(select(LetterCheck))
    assert check.word_list == ["Storth Lane", "Kiveton Park"] and check.page_numbers == [2]
    assert "2 of your words" in client.get(saved.headers["Location"]).get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letter checked"))
    assert event.details["left_out_pages"] == [2]

    _build, pdf = built(consultation, "pdf")
    strings = every_string(pdf)
    assert "Storth Lane" not in strings and "Kiveton" not in strings
    assert "Dublin" not in strings  # page 2 left out
    assert image_count(pdf) == 1
    assert "1 page left out by the council" in strings
    # Page 2 is left out of every format, not only the PDF's page images.
    for annex_format in ("pdf", "docx", "html"):
        _build, data = built(consultation, annex_format)
        text = re.sub(r"\s+", " ", annex_text(annex_format, data))
        assert "proven record" in text, annex_format  # page 1 is kept
        assert "[removed]" in text, annex_format  # and the officer's words taken out of it
        assert "Storth Lane" not in text and "Kiveton" not in text, annex_format
        page_2 = ("Dublin", "Ring the office", "Yours sincerely", "Morgan Ellis")
        assert [words for words in page_2 if words in text] == [], annex_format
        assert "1 page left out by the council" in text, annex_format

    bad = client.post(
        f"/consultations/{consultation.id}/letters/{stored.id}",
        data={"words": "x", "left_out_pages": ["7"]},
    )
    assert bad.status_code == 400
    assert db.session.scalar(select(LetterCheck)).page_numbers == [2]

    client.post(f"/consultations/{consultation.id}/letters/{stored.id}", data={"left_out": "y"})
    _build, pdf = built(consultation, "pdf")
    assert "proven record" not in every_string(pdf)
    assert image_count(pdf) == 0


def test_only_letters_of_this_consultation_that_may_be_published_can_be_checked(
    consultation, client, sign_in
):
    private = store_bytes(letter_pdf(LETTER), "private.pdf", "pdf")
    reply(consultation, "Wingfield Academy", letter=private, publication="do_not_publish")
    other = factories.create_stored_pdf("other.pdf")
    db.session.commit()
    sign_in("officer")
    for stored in (private, other):
        assert (
            client.get(f"/consultations/{consultation.id}/letters/{stored.id}").status_code == 404
        )
    client.post("/sign-out")
    sign_in("scrutiny")
    assert client.get(f"/consultations/{consultation.id}/letters").status_code == 403


def test_publishing_records_who_published_which_file(consultation, client, sign_in):
    reply(consultation, "Wales High School", comments="We support it.")
    annex_build, data = built(consultation, "pdf")
    user = sign_in("officer")
    page = client.get(f"/consultations/{consultation.id}/annex").get_data(as_text=True)
    assert f"/annexes/{annex_build.id}/publish" in page

    assert client.post(f"/annexes/{annex_build.id}/publish").status_code == 302
    db.session.expire_all()
    annex_build = db.session.get(AnnexBuild, annex_build.id)
    assert annex_build.published_by_id == user.id and annex_build.published_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "annex published"))

    assert event.details["sha256"] == hashlib.sha256(data).hexdigest()
    assert event.user_id == user.id
    again = client.post(f"/annexes/{annex_build.id}/publish", follow_redirects=True)
    assert "already been published" in again.get_data(as_text=True)
    client.post("/sign-out")
    sign_in("scrutiny")
    assert client.post(f"/annexes/{annex_build.id}/publish").status_code == 403


def test_a_letter_that_cannot_be_read_is_not_reproduced(consultation):
    damaged = store_bytes(b"%PDF-1.4\n" + b"\x00garbled" * 200, "letter.pdf", "pdf")
    reply(consultation, "Wales High School", letter=damaged, comments="Attached.")
    _build, pdf = built(consultation, "pdf")
    strings = re.sub(r"\s+", " ", every_string(pdf))
    assert "could not be checked for personal details, so it is not reproduced" in strings
    assert image_count(pdf) == 0
    assert db.session.scalar(select(Response)).letter_file_id == damaged.id


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"%PDF-1.4\n" + b"\x00garbled" * 200, "pdf"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc")],
)
def test_a_letter_not_reproduced_is_not_named_by_its_file_name(consultation, data, kind):
    stored = store_bytes(data, f"Sam Kent 07700 900123.{kind}", kind)
    reply(consultation, "Wales High School", letter=stored, comments="Attached.")
    for annex_format in ("pdf", "docx", "html"):
        _build, built_data = built(consultation, annex_format)
        text = re.sub(r"\s+", " ", annex_text(annex_format, built_data))
        assert (
            "A letter was attached that could not be checked for personal details, so it is "
            "not reproduced." in text
        ), annex_format
        assert "Sam Kent" not in text and "900123" not in text, annex_format


def test_a_name_withheld_is_taken_out_in_either_order_and_so_is_the_contacts_when_none_given(
    consultation, client, sign_in
):
    stored = store_bytes(
        letter_pdf([["We support it.", "Yours sincerely,", "Supt Alex Moore"]]), "letter.pdf", "pdf"
    )
    # As a reply by email keeps its sender: surname first.
    reply(
        consultation,
        "Aston Hall School",
        comments="ALEX MOORE writes: we support it. Ask Moore, Alex.",
        responder_name="Moore, Alex",
        publication="publish_without_name",
        letter=stored,
    )
    contact = request_of(consultation, "Wingfield Academy").links[0].contact.name
    reply(
        consultation,
        "Wingfield Academy",
        days=2,
        comments=f"We support it too. {contact}, Chief Executive.",
        publication="publish_without_name",
    )
    for annex_format in ("pdf", "docx", "html"):
        _build, data = built(consultation, annex_format)
        text = re.sub(r"\s+", " ", annex_text(annex_format, data))
        assert "we support it." in text and "We support it too." in text, annex_format
        assert "[name withheld] writes" in text, annex_format
        assert "Moore" not in text and "MOORE" not in text, annex_format
        assert contact not in text, annex_format
        assert "[name withheld], Chief Executive." in text, annex_format

    # Check redactions shows the officer the name that is taken out.
    sign_in("officer")
    page = client.get(f"/consultations/{consultation.id}/letters/{stored.id}")
    shown = re.sub(r"\s+", " ", html.unescape(page.get_data(as_text=True)))
    assert page.status_code == 200
    assert "1 withheld name" in shown
    assert "so this name is taken out wherever it appears" in shown
    assert "<strong>Moore, Alex</strong>" in shown
