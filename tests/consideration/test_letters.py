"""Points quoted from partners' letters: marked from the letter's text, published in the
schedule only as the officer's check of the letter allows, and offered for suggested
themes like the reply's comments."""

import html
import io
import re
from datetime import timedelta

from docx import Document
from sqlalchemy import select

from consult.consideration import queries, services
from consult.consideration.models import Point, SuggestionRun, Theme
from consult.db import utcnow
from consult.extensions import db
from consult.files.services import store_bytes
from consult.publish.models import LetterCheck
from consult.respond.services import record_response
from tests import factories
from tests.consideration import test_points
from tests.consideration.test_points import request_of
from tests.publish.test_annex import LETTER, built, docx_text, letter_pdf

consultation = test_points.consultation


def word_letter(*paragraphs):
    """A small Word letter, a blank paragraph between its paragraphs as people type them."""
    document = Document()
    for number, text in enumerate(paragraphs):
        if number:
            document.add_paragraph("")
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def reply_with_letter(consultation, name, letter, filename, kind, comments="See our letter."):
    stored = store_bytes(letter, filename, kind)
    response = record_response(
        request_of(consultation, name),
        stance="supports",
        received_at=utcnow() - timedelta(days=1),
        comments=comments,
        responder_name="Pat Lee",
        publication="publish",
        letter_file_id=stored.id,
    )
    db.session.commit()
    return response, stored


def test_an_officer_marks_a_point_from_a_word_letters_paragraph(consultation, client, sign_in):
    _response, _stored = reply_with_letter(
        consultation,
        "Wales High School",
        word_letter(
            "Dear Chief Executive,",
            "The governors ask for a named link officer for every school.",
        ),
        "letter.docx",
        "docx",
    )
    wales = request_of(consultation, "Wales High School")
    sign_in("officer")
    page = client.get(f"/requests/{wales.id}/points").get_data(as_text=True)
    assert 'value="letter-1"' in page and "named link officer" in page

    marked = client.post(
        f"/requests/{wales.id}/points",
        data={"paragraph": "letter-0", "kind": "other", "new_theme": "Letters"},
    )
    assert marked.status_code == 302
    point = db.session.scalar(select(Point))
    assert point.source == "letter" and point.quote == "Dear Chief Executive,"
    client.post(
        f"/requests/{wales.id}/points",
        data={"paragraph": "letter-1", "kind": "condition", "new_theme": "Link officers"},
    )
    quotes = db.session.scalars(select(Point.quote).order_by(Point.id)).all()
    assert quotes[1] == "The governors ask for a named link officer for every school."


def _mark_from_the_letter(response, quotes):
    officer = factories.create_user("officer", email="letters@council.example")
    theme = services.theme_named(response.request.consultation, "From the letter", by=officer)
    texts = services.reply_texts(response)
    for quote in quotes:
        point = services.mark_point(
            response, quote=quote, kind="condition", themes=[theme], by=officer, texts=texts
        )
        assert point.source == "letter"
    services.write_response(
        theme, response="The council agrees.", change_made="", state="agreed", by=officer
    )
    db.session.commit()
    return officer


def _words(response):
    """A page's words, without its markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def _schedule_texts(client, consultation):
    page = _words(client.get(f"/consultations/{consultation.id}/schedule"))
    by_partner = _words(client.get(f"/consultations/{consultation.id}/schedule?by=partner"))
    word = client.get(f"/consultations/{consultation.id}/schedule.docx")
    cells = Document(io.BytesIO(word.data)).tables
    word_text = "\n".join(c.text for t in cells for row in t.rows for c in row.cells)
    return " ".join(page.split()), " ".join(by_partner.split()), " ".join(word_text.split())


def test_the_schedule_follows_the_officers_check_of_the_letter(consultation, client, sign_in):
    response, stored = reply_with_letter(
        consultation, "Wales High School", letter_pdf(LETTER), "letter.pdf", "pdf"
    )
    first_page = "We support Option 3 on condition that the partner has a proven record."
    address = "Wales High School, Storth Lane, Kiveton Park"
    second_page = "Our Dublin partner is on"
    _mark_from_the_letter(response, [first_page, address, second_page])
    sign_in("officer")

    # Before the check, the letter's quotes are published as they are.
    page, _by_partner, word = _schedule_texts(client, consultation)
    assert "Storth Lane" in word and second_page in word

    client.post(
        f"/consultations/{consultation.id}/letters/{stored.id}",
        data={"words": "Storth Lane", "left_out_pages": ["2"]},
    )
    check = db.session.scalar(select(LetterCheck))
    assert check.word_list == ["Storth Lane"] and check.page_numbers == [2]

    page, by_partner, word = _schedule_texts(client, consultation)
    for text in (page, by_partner):
        assert "Storth Lane" not in text
        assert "Wales High School, [removed], Kiveton Park" in text
        # Staff still see the quote from the page left out, marked.
        assert "its page of the letter is left out: “Our Dublin partner is on”" in text
    theme = db.session.scalar(select(Theme).where(Theme.name == "From the letter"))
    theme_page = " ".join(_words(client.get(f"/themes/{theme.id}")).split())
    assert "Storth Lane" not in theme_page
    assert re.search(r"its page of the letter is left out\s*Our Dublin partner is on", theme_page)
    assert "Storth Lane" not in word and "[removed], Kiveton Park" in word
    assert "Dublin" not in word
    assert first_page in word  # page 1 is kept
    for annex_format in ("docx", "html"):
        _build, data = built(consultation, annex_format)
        text = docx_text(data) if annex_format == "docx" else html.unescape(data.decode())
        flat = " ".join(text.split())
        assert "Storth Lane" not in flat, annex_format
        assert "Dublin" not in flat, annex_format
        assert "[removed], Kiveton Park" in flat, annex_format

    client.post(f"/consultations/{consultation.id}/letters/{stored.id}", data={"left_out": "y"})
    page, _by_partner, word = _schedule_texts(client, consultation)
    assert "its letter is left out: “We support Option 3" in page
    assert "proven record" not in word and "Kiveton" not in word
    _build, data = built(consultation, "docx")
    assert "proven record" not in docx_text(data)


def test_a_quote_from_a_letters_page_that_cannot_be_told_is_left_out_with_its_pages(
    consultation, client, sign_in
):
    response, stored = reply_with_letter(
        consultation, "Wales High School", letter_pdf(LETTER), "letter.pdf", "pdf"
    )
    # Over the end of page 1 and the start of page 2.
    across = "has a proven record. Ring the office on"
    _mark_from_the_letter(response, [across])
    db.session.add(
        LetterCheck(consultation_id=consultation.id, stored_file_id=stored.id, left_out_pages="2")
    )
    db.session.commit()
    sign_in("officer")
    page, _by_partner, word = _schedule_texts(client, consultation)
    assert "its page of the letter is left out" in page
    assert "Ring the office" not in word


def test_the_schedule_reads_the_letter_checks_in_its_own_two_queries(
    consultation, client, sign_in, count_queries
):
    response, stored = reply_with_letter(
        consultation, "Wales High School", letter_pdf(LETTER), "letter.pdf", "pdf"
    )
    _mark_from_the_letter(response, ["Wales High School, Storth Lane, Kiveton Park"])
    db.session.add(
        LetterCheck(consultation_id=consultation.id, stored_file_id=stored.id, words="Storth Lane")
    )
    db.session.commit()
    consultation_id = consultation.id

    with count_queries() as counted:
        themes = queries.fetch_schedule(consultation_id)
    assert counted.count == 2, counted.statements
    [point] = themes[0].entries[0].points
    assert point.quote == "Wales High School, [removed], Kiveton Park" and point.left_out == ""


def test_suggested_themes_read_the_letters_unmarked_paragraphs(consultation):
    from worker.tasks.consideration import suggest_themes

    officer = factories.create_user("officer", email="suggest@council.example")
    shared = "A joint safeguarding plan agreed with the board must come first."
    response, _stored = reply_with_letter(
        consultation,
        "Wales High School",
        word_letter("Dear Chief Executive,", shared, "Yours sincerely,"),
        "letter.docx",
        "docx",
    )
    record_response(
        request_of(consultation, "Aston Hall School"),
        stance="supports",
        received_at=utcnow(),
        comments=shared.replace("must", "should"),
        publication="publish",
    )
    db.session.commit()
    # A paragraph already marked is not offered again.
    theme = services.theme_named(consultation, "Letters", by=officer)
    services.mark_point(
        response,
        quote="Dear Chief Executive,",
        kind="other",
        themes=[theme],
        by=officer,
        texts=services.reply_texts(response),
    )
    run = services.request_suggestions(consultation, by=officer)
    db.session.commit()

    passages, _themed = services._passages(consultation.id)
    wales = request_of(consultation, "Wales High School").id
    assert (wales, "Wales High School", shared) in passages
    assert (wales, "Wales High School", "Yours sincerely,") in passages
    assert not any(text == "Dear Chief Executive," for _id, _name, text in passages)

    suggest_themes(run.id)
    db.session.expire_all()
    run = db.session.get(SuggestionRun, run.id)
    grouped = {
        (passage["organisation"], passage["text"])
        for suggestion in run.suggestions
        for passage in suggestion["passages"]
    }
    assert ("Wales High School", shared) in grouped
