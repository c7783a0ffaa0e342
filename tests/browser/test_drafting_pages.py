"""Drafting a consultation in a real browser: accessible, and working without JavaScript."""

import pytest
from playwright.sync_api import expect

from consult.db import utcnow
from consult.extensions import db
from tests import factories
from tests.browser.signing_in import sign_in
from tests.files.samples import pdf_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(app):
    user = factories.create_user("officer")
    factories.create_organisation("Wingfield Academy")
    db.session.commit()
    return user


def draft_a_consultation(page, tmp_path, check=lambda page: None):
    page.get_by_role("link", name="Consultations").first.click()
    page.get_by_role("link", name="Create a consultation").click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page)
    page.get_by_label("Title").fill("Alternative management arrangements for children's services")
    page.get_by_label("Reference").fill("ILSC-AMA-2017")
    page.get_by_label("The question partners are asked").fill(
        "Does your organisation support the preferred option?"
    )
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Deadline and reminders")).to_be_visible()
    check(page)
    page.get_by_label("Day", exact=True).fill("7")
    page.get_by_label("Month", exact=True).fill("4")
    page.get_by_label("Year", exact=True).fill(str(utcnow().year + 1))
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Prepare the consultation")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Options", exact=True).click()
    page.get_by_label("Option", exact=True).fill("Appointment of a peer practice partner")
    page.get_by_label("This is the preferred option").check()
    page.get_by_role("button", name="Add the option").click()
    page.get_by_label("Option", exact=True).fill("Commission by contract")
    page.get_by_role("button", name="Add the option").click()
    expect(page.get_by_text("2 options")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Move up Commission by contract").click()
    expect(page.get_by_text("1. Commission by contract")).to_be_visible()

    page.get_by_role("link", name="Score the options against criteria").click()
    page.get_by_label("Criterion").fill("Pace of improvement")
    page.get_by_role("button", name="Add the criterion").click()
    page.get_by_label(
        "Appointment of a peer practice partner on Pace of improvement"
    ).select_option("4")
    page.get_by_label("Commission by contract on Pace of improvement").select_option("3")
    page.get_by_role("button", name="Save the scores").click()
    expect(page.get_by_text("The scores are saved")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Back to ILSC-AMA-2017").click()
    page.get_by_role("link", name="The letter", exact=True).click()
    page.get_by_label("The letter").fill("Dear {{ headteacher }},")
    page.get_by_role("button", name="Save the letter").click()
    expect(page.get_by_text("which is not a merge field").first).to_be_visible()
    check(page)
    page.get_by_label("The letter").fill("Dear {{ contact_name }},\n\nPlease reply: {{ link }}")
    page.get_by_role("button", name="Save the letter").click()
    # Saving stays on the letter page, beside its preview.
    page.get_by_role("link", name="Back to ILSC-AMA-2017").click()

    page.get_by_role("link", name="Papers", exact=True).click()
    paper = tmp_path / "Annex 1.pdf"
    paper.write_bytes(pdf_bytes())
    page.get_by_label("Upload a paper").set_input_files(str(paper))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("link", name="Annex 1.pdf")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Back to ILSC-AMA-2017").click()
    expect(page.get_by_text("Add at least one recipient with an email address")).to_be_visible()
    check(page)


def test_the_drafting_pages_are_accessible(page, live_server, assert_accessible, officer, tmp_path):
    sign_in(page, live_server, officer)

    draft_a_consultation(page, tmp_path, check=assert_accessible)


def test_drafting_works_without_javascript(page_without_javascript, live_server, officer, tmp_path):
    sign_in(page_without_javascript, live_server, officer)

    draft_a_consultation(page_without_javascript, tmp_path)
