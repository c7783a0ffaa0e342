"""The annex page in a real browser: accessible, and working without JavaScript."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.publish.models import AnnexBuild
from consult.requests.models import Request
from consult.respond.services import record_response
from tests import factories
from tests.browser.signing_in import sign_in
from worker.tasks.publish import build_annex

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(tempfile.gettempdir()) / "consult-screenshots"
SCREENSHOTS.mkdir(exist_ok=True)


@pytest.fixture
def replied(app):
    officer = factories.create_user("officer")
    organisations = [factories.create_organisation(name) for name in ("Wingfield Academy",)]
    consultation = factories.create_ready_consultation(officer, organisations)
    issuing.issue(consultation, by=officer)
    request = db.session.scalar(select(Request))
    record_response(request, stance="supports", received_at=utcnow(), comments="We agree.")
    db.session.commit()
    return officer, consultation


def build_and_download(page, live_server, consultation, check=lambda page: None):
    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_role("link", name="Letters from Partners").click()
    expect(page.get_by_role("heading", name="Letters from Partners")).to_be_visible()
    check(page)
    page.get_by_label("Word, to edit before it goes to the committee").check()
    page.get_by_role("button", name="Build the annex").click()
    expect(page.get_by_text("Waiting for the worker")).to_be_visible()
    check(page)
    build_annex(db.session.scalar(select(AnnexBuild.id)))
    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Word annex").click()
    assert download.value.suggested_filename.endswith(".docx")
    check(page)


def test_the_annex_page_is_accessible(page, live_server, assert_accessible, replied):
    officer, consultation = replied
    sign_in(page, live_server, officer)
    build_and_download(page, live_server, consultation, check=assert_accessible)


def test_the_annex_works_without_javascript(page_without_javascript, live_server, replied):
    officer, consultation = replied
    sign_in(page_without_javascript, live_server, officer)
    build_and_download(page_without_javascript, live_server, consultation)


@pytest.fixture
def with_letter(app):
    from consult.files.services import store_bytes
    from tests.publish.test_annex import LETTER, letter_pdf

    officer = factories.create_user("officer")
    consultation = factories.create_ready_consultation(
        officer, [factories.create_organisation("Wales High School")]
    )
    issuing.issue(consultation, by=officer)
    request = db.session.scalar(select(Request))
    letter = store_bytes(letter_pdf(LETTER), "Wales High letter.pdf", "pdf")
    record_response(
        request,
        stance="supports",
        received_at=utcnow(),
        comments="Our letter is attached.",
        letter_file_id=letter.id,
    )
    db.session.commit()
    return officer, consultation


def check_a_letter_and_publish(page, live_server, consultation, check=lambda page: None):
    page.goto(f"{live_server}/consultations/{consultation.id}/annex")
    page.get_by_role("link", name="Check redactions in the 1 letter").click()
    expect(page.get_by_role("heading", name="Check redactions")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Wales High letter.pdf from Wales High School: check it").click()
    expect(page.get_by_text("4 phone numbers")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "check-a-letter.png"), full_page=True)
    expect(page.get_by_role("img", name="Page 1 of the letter")).to_be_visible()
    check(page)
    page.get_by_label("Other words to take out").fill("Storth Lane")
    page.get_by_label("Page 2").check()
    page.get_by_role("button", name="Save and check again").click()
    expect(
        page.get_by_text("Your check of the letter from Wales High School is saved.")
    ).to_be_visible()
    expect(page.get_by_text("1 of your words")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Back to the letters").click()
    expect(page.locator(".govuk-tag", has_text="Checked")).to_be_visible()
    page.get_by_role("link", name="Back to Letters from Partners").click()
    page.get_by_label("PDF, with the letters partners sent").check()
    page.get_by_role("button", name="Build the annex").click()
    build_annex(db.session.scalar(select(AnnexBuild.id)))
    page.reload()
    page.get_by_role("button", name="Publish the PDF annex").click()
    expect(page.get_by_text("recorded as published")).to_be_visible()
    check(page)


def test_checking_redactions_is_accessible(page, live_server, assert_accessible, with_letter):
    officer, consultation = with_letter
    sign_in(page, live_server, officer)
    check_a_letter_and_publish(page, live_server, consultation, check=assert_accessible)


def test_checking_redactions_works_without_javascript(
    page_without_javascript, live_server, with_letter
):
    officer, consultation = with_letter
    sign_in(page_without_javascript, live_server, officer)
    check_a_letter_and_publish(page_without_javascript, live_server, consultation)
