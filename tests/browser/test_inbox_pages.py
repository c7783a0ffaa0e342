"""The emails that arrived in the reply mailbox, as an officer sees them, in Chromium: the
request page with a filed reply, the Arrived by email lists, recording the reply."""

import pytest
from playwright.sync_api import expect

from consult.extensions import db
from consult.respond.models import Response
from tests import factories
from tests.browser.signing_in import sign_in
from tests.inbox.emails import fixture, outlook_reply
from tests.inbox.test_pages import arrive, issued, ours, with_letter  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
WIDTHS = (1280, 375)


@pytest.fixture
def arrived(issued):  # noqa: F811
    """A reply with a letter from Wales High School, the Old School's bounce, the
    police's out-of-office and an email from someone Consult does not know."""
    _, consultation, by_name = issued
    wales = by_name["Wales High School"]
    arrive(with_letter(outlook_reply(ours=ours(wales))))
    arrive(fixture("exchange_ndr.eml", ours=ours(by_name["Old School"])))
    arrive(fixture("exchange_out_of_office.eml", ours=ours(by_name["Cumbria Constabulary"])))
    arrive(outlook_reply(sender="A Governor <chair@governors.example>"))
    admin = factories.create_user("admin")
    db.session.commit()
    return admin, consultation, by_name


def screenshots(page, folder, name):
    """The page at a desktop's width and a phone's, to look at."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_inbox_pages_are_accessible(page, live_server, assert_accessible, arrived, tmp_path):
    admin, consultation, by_name = arrived
    sign_in(page, live_server, admin)

    page.goto(f"{live_server}/requests/{by_name['Wales High School'].id}")
    expect(page.get_by_text("Arrived by email, not yet recorded")).to_be_visible()
    assert_accessible(page)
    screenshots(page, tmp_path, "request")
    page.goto(f"{live_server}/requests/{by_name['Old School'].id}")
    expect(page.get_by_role("link", name="Find another contact")).to_be_visible()
    assert_accessible(page)
    screenshots(page, tmp_path, "request-bounced")
    page.goto(f"{live_server}/requests/{by_name['Cumbria Constabulary'].id}")
    expect(page.get_by_role("link", name="Automatic reply")).to_be_visible()
    assert_accessible(page)
    screenshots(page, tmp_path, "request-automatic-reply")

    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_role("link", name="3 emails arrived").click()
    expect(page.get_by_role("heading", name="Arrived by email", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshots(page, tmp_path, "consultation-list")

    page.get_by_role("link", name="1 email matched no request").click()
    expect(page.get_by_role("heading", name="Emails that matched no request")).to_be_visible()
    assert_accessible(page)
    screenshots(page, tmp_path, "unmatched")

    page.get_by_role("link", name="Open the email: A Governor").click()
    expect(page.get_by_role("heading", name="File it under a request")).to_be_visible()
    assert_accessible(page)
    screenshots(page, tmp_path, "arrival")

    page.get_by_role("link", name="Set it aside").click()
    assert_accessible(page)
    screenshots(page, tmp_path, "set-aside")

    page.goto(f"{live_server}/consultations/{consultation.id}/correspondence")
    assert_accessible(page)
    screenshots(page, tmp_path, "correspondence")


def test_the_reply_is_recorded_without_javascript(
    page_without_javascript, live_server, arrived, tmp_path
):
    page = page_without_javascript
    admin, _, by_name = arrived
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/requests/{by_name['Wales High School'].id}")

    page.get_by_role("button", name="Record as the reply").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    screenshots(page, tmp_path, "request-errors")
    page.get_by_label("Supports with reservations").check()
    page.get_by_label("Yes, with the writer's name").check()
    page.get_by_role("button", name="Record as the reply").click()

    banner = page.locator(".govuk-notification-banner")
    expect(banner.get_by_text("recorded as version 1 of the reply")).to_be_visible()
    expect(page.get_by_text("Arrived by email, not yet recorded")).to_have_count(0)
    screenshots(page, tmp_path, "request-recorded")
    db.session.expire_all()
    assert db.session.query(Response).one().stance == "supports_with_reservations"
