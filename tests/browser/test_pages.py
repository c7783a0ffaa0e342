"""The pages of the foundations, in a real browser: accessible, and working without JavaScript."""

import pytest

from consult.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_sign_in_page_and_its_errors_are_accessible(page, live_server, assert_accessible):
    page.goto(f"{live_server}/sign-in")
    assert page.title() == "Sign in – Consult"
    assert_accessible(page)

    page.get_by_role("button", name="Sign in").click()

    assert page.title().startswith("Error: ")
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_text("Enter your email address").first.is_visible()
    assert_accessible(page)


def test_a_wrong_password_is_explained_accessibly(page, live_server, assert_accessible):
    user = factories.create_user("officer")
    db.session.commit()
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the right password")
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_text("The email address or password is not right").first.is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("role", ["officer", "scrutiny", "admin"])
def test_each_role_signs_in_sees_consultations_and_signs_out(
    page, live_server, assert_accessible, role
):
    user = factories.create_user(role)
    db.session.commit()

    sign_in(page, live_server, user)

    assert page.get_by_role("heading", name="Consultations").is_visible()
    assert page.get_by_text(f"Signed in as {user.name}").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You have signed out.").is_visible()
    assert_accessible(page)


def test_the_mailbox_and_error_pages_are_accessible(page, live_server, assert_accessible):
    user = factories.create_user("officer")
    db.session.commit()
    sign_in(page, live_server, user)

    page.goto(f"{live_server}/mailbox/")
    assert page.get_by_role("heading", name="Mailbox").is_visible()
    assert_accessible(page)

    page.goto(f"{live_server}/no-such-page")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert_accessible(page)


def test_signing_in_works_without_javascript(page_without_javascript, live_server):
    user = factories.create_user("scrutiny")
    db.session.commit()

    sign_in(page_without_javascript, live_server, user)

    assert page_without_javascript.get_by_role("heading", name="Consultations").is_visible()
