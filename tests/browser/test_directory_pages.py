"""The partner directory in a real browser: accessible, and working without JavaScript."""

import pytest
from playwright.sync_api import expect

from consult.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def add_organisation_and_contact(page, check=lambda page: None):
    page.get_by_role("link", name="Partners").click()
    check(page)
    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page)
    page.get_by_label("Name").fill("Wingfield Academy")
    page.get_by_label("Sector").select_option(label="School")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Wingfield Academy")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Full name").fill("Alex Morgan")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid email address").first).to_be_visible()
    check(page)
    page.get_by_label("Email address").fill("head@wingfield.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("head@wingfield.example")).to_be_visible()
    check(page)


@pytest.fixture
def officer(app):
    user = factories.create_user("officer")
    factories.create_sector("school", "School")
    db.session.commit()
    return user


def test_the_directory_pages_are_accessible(page, live_server, assert_accessible, officer):
    sign_in(page, live_server, officer)

    add_organisation_and_contact(page, check=assert_accessible)

    page.goto(f"{live_server}/sectors")
    assert_accessible(page)


def test_the_directory_works_without_javascript(page_without_javascript, live_server, officer):
    # axe itself needs JavaScript, so this pass checks the journey only.
    sign_in(page_without_javascript, live_server, officer)

    add_organisation_and_contact(page_without_javascript)
