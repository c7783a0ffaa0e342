"""The pages of the foundations, in a real browser: accessible, and working without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from consult.extensions import db
from tests import factories
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


def test_the_sign_in_page_and_its_errors_are_accessible(page, live_server, assert_accessible):
    page.goto(f"{live_server}/sign-in")
    expect(page).to_have_title("Sign in – Consult")
    assert_accessible(page)

    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("Enter your email address").first).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_is_explained_accessibly(page, live_server, assert_accessible):
    user = factories.create_user("officer")
    db.session.commit()
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the right password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("The email address or password is not right").first).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("role", ["officer", "scrutiny", "admin"])
def test_each_role_signs_in_sees_consultations_and_signs_out(
    page, live_server, assert_accessible, role
):
    user = factories.create_user(role)
    db.session.commit()

    sign_in(page, live_server, user)

    expect(page.get_by_role("heading", name="Consultations")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {user.name}")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert_accessible(page)


def test_the_mailbox_and_error_pages_are_accessible(page, live_server, assert_accessible):
    user = factories.create_user("officer")
    db.session.commit()
    sign_in(page, live_server, user)

    page.goto(f"{live_server}/mailbox/")
    expect(page.get_by_role("heading", name="Mailbox")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server}/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page)


def test_signing_in_works_without_javascript(page_without_javascript, live_server):
    user = factories.create_user("scrutiny")
    db.session.commit()

    sign_in(page_without_javascript, live_server, user)

    expect(page_without_javascript.get_by_role("heading", name="Consultations")).to_be_visible()
