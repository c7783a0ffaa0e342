"""Users, invitations and two-factor sign-in in a real browser: accessible, no JavaScript
needed."""

import re

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth import two_factor
from consult.auth.models import User
from consult.correspondence.models import Message
from consult.extensions import db
from consult.sealing import unseal
from tests import factories
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


def current_code(email):
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    return pyotp.TOTP(unseal(user.totp_secret_sealed, two_factor.LABEL)).now()


def invite_and_join(page, live_server, check=lambda page: None):
    admin = factories.create_user("admin", email="admin@council.example")
    db.session.commit()
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Users").click()
    check(page)
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page)
    page.get_by_label("Full name").fill("Sam Kent")
    page.get_by_label("Email address").fill("sam.kent@council.example")
    page.get_by_label("Officer: drafts and runs consultations").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", name="Sam Kent")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Two-factor sign-in", exact=True).first.click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    check(page)
    page.goto(f"{live_server}/admin/two-factor")
    check(page)
    page.get_by_label("Officers").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Sign out").click()

    db.session.expire_all()
    message = db.session.scalar(select(Message).where(Message.kind == "account"))
    page.goto(f"{live_server}/invitations/{unseal(message.sealed_link)}")
    check(page)
    page.get_by_label("New password").fill("three random words here")
    page.get_by_label("Type it again").fill("three random words here")
    page.get_by_role("button", name="Save the password").click()
    sign_in(page, live_server, "sam.kent@council.example", "three random words here")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    check(page)
    page.get_by_label("Code from the app").fill(current_code("sam.kent@council.example"))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Your recovery codes")).to_be_visible()
    check(page)
    codes = re.findall(r"[0-9a-f]{5}-[0-9a-f]{5}", page.content())
    page.get_by_role("link", name="I have kept them: continue").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "sam.kent@council.example", "three random words here")
    expect(
        page.get_by_role("heading", name="Enter the code from your authenticator app")
    ).to_be_visible()
    check(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def test_the_account_pages_are_accessible(page, live_server, assert_accessible, app):
    invite_and_join(page, live_server, check=assert_accessible)


def test_the_account_pages_work_without_javascript(page_without_javascript, live_server, app):
    invite_and_join(page_without_javascript, live_server)
