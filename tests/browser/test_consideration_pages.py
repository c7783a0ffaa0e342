"""Points, themes and the schedule in a real browser: accessible, and working without
JavaScript, from marking a point to the partner reading the council's response."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import Request
from consult.requests.tokens import create_token
from consult.respond.services import record_response
from tests import factories
from tests.browser.signing_in import sign_in
from tests.browser.test_publish_pages import SCREENSHOTS

pytestmark = pytest.mark.browser

REPLY = (
    "We support Option 3.\n\n"
    "Our support is conditional on a partner with a proven record of improving "
    "children's services."
)


@pytest.fixture
def replied(app):
    officer = factories.create_user("officer")
    consultation = factories.create_ready_consultation(
        officer, [factories.create_organisation("Wales High School")]
    )
    issuing.issue(consultation, by=officer)
    request = db.session.scalar(select(Request))
    record_response(request, stance="supports", received_at=utcnow(), comments=REPLY)
    db.session.commit()
    return officer, consultation, request


def consider(page, live_server, consultation, request, check=lambda page: None):
    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_role("link", name="Points and themes").click()
    expect(page.get_by_role("heading", name="Points and themes")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Wales High School").click()
    page.get_by_label("Our support is conditional").check()
    page.get_by_label("Condition", exact=True).check()
    page.get_by_label("A new theme").fill("Proven partner")
    page.get_by_role("button", name="Mark the point").click()
    expect(page.get_by_text("The point is marked.")).to_be_visible()
    check(page)
    page.screenshot(path=str(SCREENSHOTS / "mark-a-point.png"), full_page=True)
    page.get_by_role("link", name="Back to points and themes").click()
    page.get_by_role("link", name="Proven partner").click()
    page.get_by_label("The council's response").fill("The partner will be rated good or better.")
    page.get_by_label("The change made, or why there is none").fill("Added to the criteria.")
    page.get_by_label("Yes, it is agreed").check()
    page.get_by_role("button", name="Save the response").click()
    expect(page.get_by_text("is saved")).to_be_visible()
    check(page)
    page.goto(f"{live_server}/consultations/{consultation.id}/schedule")
    expect(page.get_by_text("rated good or better")).to_be_visible()
    check(page)
    page.screenshot(path=str(SCREENSHOTS / "schedule.png"), full_page=True)
    page.goto(f"{live_server}/consultations/{consultation.id}/points")
    page.get_by_role("button", name="Send the outcome to the partners").click()
    expect(page.get_by_text("on its way to each partner")).to_be_visible()

    _row, token = create_token(request.links[0])
    db.session.commit()
    page.goto(f"{live_server}/r/{token}/outcome")
    expect(
        page.get_by_role("heading", name="What the council did with what you said")
    ).to_be_visible()
    expect(page.get_by_text("rated good or better")).to_be_visible()
    check(page)


def test_considering_the_replies_is_accessible(page, live_server, assert_accessible, replied):
    officer, consultation, request = replied
    sign_in(page, live_server, officer)
    consider(page, live_server, consultation, request, check=assert_accessible)


def test_considering_the_replies_works_without_javascript(
    page_without_javascript, live_server, replied
):
    officer, consultation, request = replied
    sign_in(page_without_javascript, live_server, officer)
    consider(page_without_javascript, live_server, consultation, request)


SELECT_WORDS = """
(words) => {
  const passages = document.querySelectorAll(".consult-passages .govuk-radios__label");
  const label = [...passages].find((each) => each.textContent.includes(words));
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.textContent.includes(words)) node = walker.nextNode();
  const start = node.textContent.indexOf(words);
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, start + words.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  label.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
}
"""


def test_words_selected_in_a_passage_fill_the_quote_box(
    page, live_server, assert_accessible, replied
):
    officer, _consultation, request = replied
    sign_in(page, live_server, officer)
    page.goto(f"{live_server}/requests/{request.id}/points")
    assert_accessible(page)
    words = "a proven record of improving children's services"
    page.evaluate(SELECT_WORDS, words)
    quote = page.get_by_label("Or the partner's exact words")
    expect(quote).to_have_value(words)
    expect(quote).to_be_focused()
    page.get_by_label("Condition", exact=True).check()
    page.get_by_label("A new theme").fill("Proven partner")
    page.screenshot(path=str(SCREENSHOTS / "quote-picked.png"), full_page=True)
    page.get_by_role("button", name="Mark the point").click()
    expect(page.get_by_text("The point is marked.")).to_be_visible()
    expect(page.get_by_text(f"“{words}”")).to_be_visible()
    assert_accessible(page)
