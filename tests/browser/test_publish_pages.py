"""The annex page in a real browser: accessible, and working without JavaScript."""

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
