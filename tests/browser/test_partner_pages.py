"""A partner's whole journey in a real browser: accessible, by keyboard, without JavaScript."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def token(app):
    return factories.create_partner_link()


def answer(page, stance="We support it, with reservations"):
    page.get_by_label(stance, exact=True).check()
    page.get_by_label("Comments (optional)").fill(
        "We support it.\n\nSchools must stay on the board."
    )
    page.get_by_label("Your full name").fill("Alex Morgan")
    page.get_by_label("Your role").fill("Headteacher")
    page.get_by_label("I am answering for Wingfield Academy").check()
    page.get_by_label("Yes, with the name of the person who sent it").check()


def test_a_partner_opens_answers_saves_returns_and_sends(
    page, live_server, assert_accessible, token
):
    page.goto(f"{live_server}/r/{token}")
    expect(page.get_by_role("button", name="Respond for Wingfield Academy")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Respond for Wingfield Academy").click()
    expect(page).to_have_url(f"{live_server}/respond")
    assert_accessible(page)

    page.get_by_role("link", name="Give your organisation's view").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)

    answer(page)
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text("Your answer is saved")).to_be_visible()
    page.get_by_role("link", name="Carry on with the answer").click()
    expect(page.get_by_label("Your full name")).to_have_value("Alex Morgan")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answer before sending it")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send the response").click()
    expect(page.get_by_role("heading", name="Response sent")).to_be_visible()
    assert_accessible(page)


def test_preferring_another_option_reveals_the_choice(page, live_server, assert_accessible, token):
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Respond for Wingfield Academy").click()
    page.get_by_role("link", name="Give your organisation's view").click()

    page.get_by_label("We prefer another option").check()
    expect(page.get_by_label("Which option do you prefer?")).to_be_visible()
    assert_accessible(page)


def test_amending_a_sent_response_is_accessible(page, live_server, assert_accessible, token):
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Respond for Wingfield Academy").click()
    page.get_by_role("link", name="Give your organisation's view").click()
    answer(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send the response").click()
    page.get_by_role("link", name="See your organisation's response").click()

    page.get_by_role("link", name="Change the response").click()
    page.get_by_label("We support it", exact=True).check()
    # Whoever amends confirms again that they answer for the organisation.
    page.get_by_label("I am answering for Wingfield Academy").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This replaces the response your organisation sent")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send the response").click()
    expect(page.get_by_role("heading", name="Response sent")).to_be_visible()


@pytest.mark.parametrize("problem", ["withdrawn", "replaced", "expired", "closed"])
def test_each_bad_link_page_is_accessible(page, live_server, assert_accessible, token, problem):
    from datetime import timedelta

    from consult.consultations import services as consultations
    from consult.db import utcnow

    link = db.session.scalar(select(RecipientLink))
    officer = factories.create_user("officer")
    if problem == "withdrawn":
        issuing.withdraw(link.request, by=officer)
    elif problem == "replaced":
        issuing.resend_link(link, by=officer, tokens_seen=2)
    elif problem == "expired":
        link.expires_at = utcnow() - timedelta(minutes=1)
    else:
        consultations.close(link.request.consultation, by=officer)
    db.session.commit()

    page.goto(f"{live_server}/r/{token}")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_declining_and_bad_links_are_accessible(page, live_server, assert_accessible, token):
    page.goto(f"{live_server}/r/{token[:-4]}abcd")
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Respond for Wingfield Academy").click()
    page.get_by_role("link", name="We will not respond").click()
    assert_accessible(page)
    page.get_by_role("button", name="We will not respond").click()
    expect(page.get_by_text("said it will not respond")).to_be_visible()
    assert_accessible(page)


def test_the_whole_journey_works_without_javascript_and_by_keyboard(
    page_without_javascript, live_server, token
):
    page = page_without_javascript
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("button", name="Respond for Wingfield Academy").focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Give your organisation's view").click()
    answer(page, "We support it")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Send the response").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Response sent")).to_be_visible()
