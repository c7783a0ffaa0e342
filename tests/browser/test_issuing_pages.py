"""Issuing and the send-out, in a real browser: accessible, and working without JavaScript."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.extensions import db
from consult.requests.models import Request
from tests import factories
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def draft(app):
    officer = factories.create_user("officer")
    organisations = [
        factories.create_organisation(name)
        for name in ("Wingfield Academy", "South Yorkshire Police", "Voluntary Action Rotherham")
    ]
    consultation = factories.create_ready_consultation(officer, organisations)
    db.session.commit()
    return officer, consultation


def test_an_officer_issues_and_follows_the_send_out(page, live_server, assert_accessible, draft):
    officer, consultation = draft
    sign_in(page, live_server, officer)

    page.goto(f"{live_server}/consultations/{consultation.id}/issue")
    expect(page.get_by_text("3 organisations")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Issue the consultation").click()

    expect(page.get_by_role("heading", name="Send-out of the invitations")).to_be_visible()
    expect(page.get_by_text("Issued. 3 invitations are on their way.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="All correspondence for this consultation").click()
    expect(page.get_by_role("heading", name="Correspondence")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="your organisation's view is requested").first.click()
    expect(page.get_by_text("LINK-WITHHELD").first).to_be_visible()
    assert_accessible(page)


def test_an_officer_resends_a_link_and_withdraws_a_request(
    page, live_server, assert_accessible, draft
):
    officer, consultation = draft
    from consult.issuing import services

    services.issue(consultation, by=officer)
    db.session.commit()
    request = db.session.scalar(select(Request).order_by(Request.id))
    sign_in(page, live_server, officer)

    page.goto(f"{live_server}/requests/{request.id}")
    assert_accessible(page)
    page.get_by_role("button", name="Send a new link").click()
    expect(page.get_by_text("The old one no longer works")).to_be_visible()

    page.get_by_role("link", name="Withdraw the request").click()
    assert_accessible(page)
    page.get_by_label("Why is the request being withdrawn? (optional)").fill("Sent in error")
    page.get_by_role("button", name="Withdraw the request").click()
    expect(page.get_by_text("is withdrawn")).to_be_visible()
    assert_accessible(page)


def test_adding_a_recipient_after_issue_without_javascript(
    page_without_javascript, live_server, assert_accessible, draft
):
    officer, consultation = draft
    from consult.issuing import services

    services.issue(consultation, by=officer)
    extra = factories.create_organisation("NHS Rotherham CCG")
    db.session.commit()
    page = page_without_javascript
    sign_in(page, live_server, officer)

    page.goto(f"{live_server}/consultations/{consultation.id}/add-recipient")
    page.get_by_label("Organisation").select_option(label="NHS Rotherham CCG")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Add people at NHS Rotherham CCG")).to_be_visible()
    page.get_by_label(extra.contacts[0].name, exact=False).check()
    page.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_text("Invitations are on their way")).to_be_visible()
