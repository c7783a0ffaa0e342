"""Keying in a reply, dropping in a saved email, and one person's data, in Chromium."""

from email.message import EmailMessage

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.dates import london_datetime
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from tests import factories
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def issued(app):
    admin = factories.create_user("admin")
    schools = [
        factories.create_organisation("Wales High School", contact_email="head@wales.example"),
        factories.create_organisation("Wingfield Academy", contact_email="head@wingfield.example"),
    ]
    # As in 2017: letters out on 23 March, replies by 7 April.
    consultation = factories.create_ready_consultation(
        admin, schools, deadline=london_datetime(2017, 4, 7, 17)
    )
    issuing.issue(consultation, by=admin, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    return admin, consultation


def record_replies(page, live_server, consultation, tmp_path, check=lambda page: None):
    request = db.session.scalar(
        select(Request).join(Request.organisation).where(Request.consultation_id == consultation.id)
    )
    page.goto(f"{live_server}/requests/{request.id}")
    page.get_by_role(
        "link", name="Record a reply received by email, by post or at a meeting"
    ).click()
    page.get_by_role("button", name="Record the reply").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page)
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2017")
    page.get_by_label("By post").check()
    page.get_by_label("Supports", exact=True).check()
    page.get_by_label("What they said").fill("We support the preferred option.")
    page.get_by_label("Yes, with the writer's name").check()
    page.get_by_role("button", name="Record the reply").click()
    expect(page.get_by_text("is recorded")).to_be_visible()
    check(page)

    message = EmailMessage()
    message["From"] = "Head <head@wingfield.example>"
    message["Date"] = "Mon, 03 Apr 2017 17:42:00 +0100"
    message["Subject"] = "Our view"
    message.set_content("We support it, with reservations.")
    path = tmp_path / "reply.eml"
    path.write_bytes(message.as_bytes())
    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_role("link", name="Drop in a partner's email reply").click()
    check(page)
    page.get_by_label("The email, saved from Outlook (.msg) or as a .eml file").set_input_files(
        str(path)
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Supports with reservations").check()
    page.get_by_label("Yes, with the writer's name").check()
    page.get_by_role("button", name="Record as the reply").click()
    expect(page.get_by_text("The email from Wingfield Academy is recorded")).to_be_visible()

    page.get_by_role("link", name="Personal data").click()
    check(page)
    page.get_by_label("Email address").fill("head@wingfield.example")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("What is held about head@wingfield.example")).to_be_visible()
    check(page)


def test_the_record_pages_are_accessible(page, live_server, assert_accessible, issued, tmp_path):
    admin, consultation = issued
    sign_in(page, live_server, admin)
    record_replies(page, live_server, consultation, tmp_path, check=assert_accessible)


def test_the_record_pages_work_without_javascript(
    page_without_javascript, live_server, issued, tmp_path
):
    admin, consultation = issued
    sign_in(page_without_javascript, live_server, admin)
    record_replies(page_without_javascript, live_server, consultation, tmp_path)
