"""Signing in through the real page, as a person would."""

from tests import factories


def sign_in(page, live_server, user, password=factories.PASSWORD):
    """``user`` is a User or an email address."""
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(getattr(user, "email", user))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
