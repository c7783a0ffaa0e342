"""The scrutiny view in a real browser: the demo's dashboard, log and a request's story."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.demo import data
from consult.demo.loader import load_demo
from consult.extensions import db
from tests import factories
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def chair(app):
    load_demo(echo=lambda *args: None)
    user = factories.create_user("scrutiny", email="chair@council.example")
    db.session.commit()
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.reference == data.CONSULTATION["reference"])
    )
    return user, consultation


def read_the_record(page, live_server, consultation, check=lambda page: None):
    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_role("link", name="Dashboard: stances, by sector and over time").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("img", name="Stances on the preferred option")).to_be_visible()
    check(page)
    page.get_by_role("link", name="The response log: every request and reply").click()
    expect(page.get_by_role("heading", name="Response log")).to_be_visible()
    check(page)
    page.get_by_label("Status").select_option(label="Replied late")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("2 requests")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Voluntary Action Rotherham").click()
    expect(page.get_by_role("heading", name="The response")).to_be_visible()
    expect(page.get_by_role("heading", name="What happened")).to_be_visible()
    check(page)


def test_the_scrutiny_pages_are_accessible(page, live_server, assert_accessible, chair):
    user, consultation = chair
    sign_in(page, live_server, user)
    read_the_record(page, live_server, consultation, check=assert_accessible)


def test_the_scrutiny_pages_work_without_javascript(page_without_javascript, live_server, chair):
    user, consultation = chair
    sign_in(page_without_javascript, live_server, user)
    read_the_record(page_without_javascript, live_server, consultation)
