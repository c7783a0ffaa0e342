"""The letter page as officers write: merge fields in plain English beside the letter,
a preview for any recipient (without JavaScript), mistakes in words naming the line, and
a warning when nobody signs the letter."""

import pytest
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.requests.models import RecipientLink
from tests import factories


@pytest.fixture
def officer(sign_in):
    return sign_in("officer")


@pytest.fixture
def draft(officer):
    """A draft to two schools, one contact each."""
    schools = [
        factories.create_organisation("Wingfield Academy"),
        factories.create_organisation("Brinsworth Academy"),
    ]
    consultation = factories.create_ready_consultation(officer, schools)
    db.session.commit()
    return consultation


def links():
    """The draft's recipients, by organisation name."""
    rows = db.session.scalars(select(RecipientLink)).all()
    return {link.request.organisation.name: link for link in rows}


def preview_of(page):
    text = page.get_data(as_text=True)
    start = text.index('id="letter-preview">') + len('id="letter-preview">')
    return text[start : text.index("</div>", start)]


LETTER = "Dear ((contact_name)),\n\n((organisation)): please reply by ((link)).\n\n((signatory))"


def test_the_letter_page_shows_the_saved_letter_filled_in_for_the_first_recipient(client, draft):
    brinsworth = links()["Brinsworth Academy"]

    page = client.get(f"/consultations/{draft.id}/letter")

    assert page.status_code == 200
    preview = preview_of(page)
    # Recipients are in organisation order: Brinsworth before Wingfield.
    assert f"Dear {brinsworth.contact.name}," in preview
    assert "Brinsworth Academy&#39;s view" in preview
    assert "Chief Executive" in preview
    assert "Not saved yet" not in page.get_data(as_text=True)


def test_any_recipient_can_be_chosen_by_the_address(client, draft):
    wingfield = links()["Wingfield Academy"]

    page = client.get(f"/consultations/{draft.id}/letter?recipient={wingfield.id}")

    assert f"Dear {wingfield.contact.name}," in preview_of(page)
    assert f'<option value="{wingfield.id}" selected>' in page.get_data(as_text=True)


def test_preview_fills_in_the_letter_as_written_and_saves_nothing(client, draft):
    wingfield = links()["Wingfield Academy"]
    saved = draft.letter

    page = client.post(
        f"/consultations/{draft.id}/letter",
        data={"letter": LETTER, "recipient": wingfield.id, "preview": "Preview"},
    )

    assert page.status_code == 200
    preview = preview_of(page)
    assert preview.startswith(f"Dear {wingfield.contact.name},\n\nWingfield Academy: please reply")
    assert preview.endswith("Chief Executive")
    assert "Not saved yet" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Consultation, draft.id).letter == saved


def test_an_unknown_recipient_falls_back_to_the_first(client, draft):
    brinsworth = links()["Brinsworth Academy"]

    for chosen in ("999999", "x", "-1", "9" * 40):
        page = client.post(
            f"/consultations/{draft.id}/letter",
            data={"letter": LETTER, "recipient": chosen, "preview": "Preview"},
        )
        assert page.status_code == 200
        assert f"Dear {brinsworth.contact.name}," in preview_of(page)


def test_saving_keeps_the_letter_and_comes_back_to_the_page(client, draft):
    saved = client.post(f"/consultations/{draft.id}/letter", data={"letter": LETTER})

    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/consultations/{draft.id}/letter"
    db.session.expire_all()
    assert db.session.get(Consultation, draft.id).letter == LETTER
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The letter is saved." in page


@pytest.mark.parametrize("button", [{}, {"preview": "Preview"}])
def test_every_mistake_is_named_with_its_line_in_plain_words(client, draft, button):
    letter = "Dear ((contact_name)),\n\n{{ 9 ** 99999 }}\n\n((head_teacher))\n{% if x %}"

    page = client.post(f"/consultations/{draft.id}/letter", data={"letter": letter, **button})

    text = page.get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 400
    assert "Line 3 of the letter has a mistake: {{ 9 ** 99999 }} is not a merge field." in text
    assert "Line 5 of the letter uses ((head_teacher)), which is not a merge field." in text
    assert "Line 6 of the letter has a mistake: {% if x %} is not a merge field." in text
    assert 'href="#letter"' in text  # the error summary leads to the letter
    # Never the template engine's own words.
    for engine_words in ("jinja", "TemplateSyntaxError", "unexpected", "Traceback"):
        assert engine_words not in text
    assert 'id="letter-preview"' not in text
    db.session.expire_all()
    assert db.session.get(Consultation, draft.id).letter == draft.letter


def test_merge_fields_are_listed_beside_the_letter_in_plain_english(client, draft):
    page = client.get(f"/consultations/{draft.id}/letter").get_data(as_text=True)

    assert "<dt><code>((contact_name))</code></dt>" in page
    assert "<dd>the name of the person the letter goes to</dd>" in page
    assert "<dt><code>((link))</code></dt>" in page
    assert "<dd>the recipient&#39;s own link to reply</dd>" in page


def test_a_letter_nobody_signs_is_warned_about_here_and_before_issue(client, draft):
    page = client.get(f"/consultations/{draft.id}/letter").get_data(as_text=True)
    assert "Nobody signs this letter yet" not in page

    draft.signatory = ""
    db.session.commit()

    page = client.get(f"/consultations/{draft.id}/letter").get_data(as_text=True)
    assert "govuk-warning-text" in page
    assert "Nobody signs this letter yet: where it says <code>((signatory))</code>" in page
    assert f'href="/consultations/{draft.id}/details">Say who signs the letter' in page
    issue = client.get(f"/consultations/{draft.id}/issue").get_data(as_text=True)
    assert "Nobody signs the letter: where it says ((signatory)) it will be blank." in issue


def test_a_draft_without_recipients_says_to_add_them_to_preview(client, officer):
    draft = factories.create_ready_consultation(officer, [])
    db.session.commit()

    page = client.get(f"/consultations/{draft.id}/letter").get_data(as_text=True)

    assert "to preview the letter as each of them will get it" in page
    assert 'id="letter-preview"' not in page and "Preview</button>" not in page


def test_the_letter_page_reads_the_same_number_of_queries_for_many_recipients(
    client, officer, count_queries
):
    few = factories.create_ready_consultation(
        officer, [factories.create_organisation(f"School {n}") for n in range(2)]
    )
    many = factories.create_ready_consultation(
        officer,
        [factories.create_organisation(f"Academy {n}") for n in range(30)],
        reference="CYPS-2018",
    )
    db.session.commit()

    counts = []
    for consultation in (few, many):
        with count_queries() as queries:
            assert client.get(f"/consultations/{consultation.id}/letter").status_code == 200
        counts.append(queries.count)

    assert counts[0] == counts[1]
