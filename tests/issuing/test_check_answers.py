"""Issuing is a check-answers page: who gets what, when the reminders go, the letter for
one recipient and the papers, each with a Change link, then Issue. And the reminder
dates worked out by the reminders' own calculation, with bank holidays and the clocks
changing, shown while drafting and on each request."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.consultations import services as consultations
from consult.dates import london_datetime
from consult.directory import services as directory
from consult.extensions import db
from consult.issuing import schedule
from consult.issuing import services as issuing
from consult.reminders.models import ReminderSlot
from consult.requests.models import Request
from tests import factories

# Tuesday 27 March 2029, 5pm (BST): the clocks go forward on Sunday 25 March, Good Friday
# is 30 March and Easter Monday 2 April. Far enough off that the pages treat it as the
# future for two years, near enough to be within the five years a deadline may be set.
DEADLINE_2029 = london_datetime(2029, 3, 27, 17)


@pytest.fixture
def officer(app):
    return factories.create_user("officer")


@pytest.fixture
def draft(officer):
    schools = factories.create_sector("school", "School")
    police = factories.create_sector("police", "Police")
    academy = factories.create_organisation("Wingfield Academy", sector=schools)
    force = factories.create_organisation("South Yorkshire Police", sector=police)
    directory.add_contact(force, name="Jo Bloggs", role="Superintendent", email=None)
    consultation = factories.create_ready_consultation(
        officer, [academy, force], deadline=DEADLINE_2029
    )
    db.session.commit()
    return consultation


def page_of(response, status=200):
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def text_of(page):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_reminders_are_timed_across_the_clocks_changing_a_bank_holiday_and_a_weekend(
    officer,
):
    """The seed's spring of 2017: the clocks went forward on Sunday 26 March; Good Friday
    was 14 April and Easter Monday 17 April."""
    draft = consultations.create_consultation(
        reference="CYPS-2017",
        title="Children's services",
        created_by=officer,
        deadline_at=london_datetime(2017, 3, 29, 17),
        reminder_offsets_days=[-7, 3, 16],
    )
    db.session.commit()
    db.session.expire(draft)  # the deadline as every page and task reads it: in UTC

    planned = schedule.planned_reminders(draft, now=london_datetime(2017, 3, 1))

    assert [
        (p.label, format(p.due_at), p.moved_because, p.clocks_shift, p.is_past) for p in planned
    ] == [
        # 7 days of 24 hours before 5pm BST is 4pm GMT, before the clocks went forward
        ("7 days before the deadline", "2017-03-22 16:00:00+00:00", "", "earlier", False),
        # Saturday 1 April: the next working day's 9am
        ("3 days after the deadline", "2017-04-03 09:00:00+01:00", "a weekend", "", False),
        # Good Friday, then the weekend, then Easter Monday: Tuesday
        ("16 days after the deadline", "2017-04-18 09:00:00+01:00", "a bank holiday", "", False),
    ]


def test_the_planned_times_are_the_times_issuing_gives_each_request(officer, draft):
    planned = {p.offset_days: p.due_at for p in schedule.planned_reminders(draft)}

    issuing.issue(draft, by=officer)
    db.session.commit()

    slots = db.session.scalars(select(ReminderSlot)).all()
    assert len(slots) == 2 * 3
    assert {slot.offset_days: slot.due_at for slot in slots} == planned


def test_a_reminder_already_past_is_said_to_be_past(officer):
    draft = consultations.create_consultation(
        reference="SOON",
        title="Soon",
        created_by=officer,
        deadline_at=london_datetime(2017, 3, 29, 17),
    )
    db.session.flush()

    planned = schedule.planned_reminders(draft, now=london_datetime(2017, 3, 28, 12))

    assert [(p.offset_days, p.is_past) for p in planned] == [(-7, True), (-2, True), (3, False)]


def test_the_check_answers_page_says_who_gets_what_with_a_change_link_for_each_part(
    client, sign_in, draft
):
    sign_in("officer")

    page = page_of(client.get(f"/consultations/{draft.id}/issue"))
    text = text_of(page)

    assert "Check before you issue" in text
    assert "2 organisations, 2 people with an email address" in text
    # by organisation, with the sector and every contact
    assert "South Yorkshire Police Police" in text and "Wingfield Academy School" in text
    assert "Jo Bloggs, Superintendent No email address: will not be sent anything" in text
    # the deadline and the reminder dates, in London time as GOV.UK writes them
    assert "Deadline 5pm on Tuesday 27 March 2029" in text
    assert (
        "Reminder 1 4pm on Tuesday 20 March 2029 7 days before the deadline. The clocks "
        "change in between, so it is an hour earlier on the clock than the deadline's time."
    ) in text
    assert (
        "Reminder 2 9am on Monday 26 March 2029 2 days before the deadline. Moved from 5pm "
        "on Sunday 25 March 2029, a weekend."
    ) in text
    assert (
        "Reminder 3 9am on Tuesday 3 April 2029 3 days after the deadline. Moved from 5pm on "
        "Friday 30 March 2029, a bank holiday."
    ) in text
    # the letter as the first recipient (by organisation's name) gets it
    assert "I am writing to ask for South Yorkshire Police's view" in text
    assert "your organisation's view is requested" in text
    # the papers
    assert "Papers None attached" in text
    changes = re.findall(r'href="([^"]+)"[^>]*>\s*Change', page)
    assert set(changes) == {
        f"/consultations/{draft.id}/details",
        f"/consultations/{draft.id}/options",
        f"/consultations/{draft.id}/recipients",
        f"/consultations/{draft.id}/deadline-and-reminders",
        f"/consultations/{draft.id}/letter",
        f"/consultations/{draft.id}/documents",
    }
    assert f'href="/consultations/{draft.id}/preview"' in page
    assert "Issue the consultation" in page


def test_the_check_answers_page_lists_each_paper(client, sign_in, officer, draft):
    consultations.add_document(
        draft,
        factories.create_stored_pdf("option-appraisal.pdf"),
        title="Option appraisal",
        by=officer,
    )
    db.session.commit()
    sign_in("officer")

    text = text_of(page_of(client.get(f"/consultations/{draft.id}/issue")))

    assert "Paper 1 Option appraisal Change paper 1" in text


def test_a_draft_to_hundreds_shows_the_first_twenty_organisations_and_links_to_the_rest(
    client, sign_in, officer, count_queries
):
    organisations = [factories.create_organisation(f"School {n:03d}") for n in range(45)]
    draft = factories.create_ready_consultation(officer, organisations, deadline=DEADLINE_2029)
    db.session.commit()
    sign_in("officer")

    text = text_of(page_of(client.get(f"/consultations/{draft.id}/issue")))

    assert "School 019" in text and "School 020" not in text
    assert "And 25 more See all 45 organisations and their contacts" in text


def test_the_check_answers_page_says_what_is_missing_and_still_shows_the_rest(
    client, sign_in, officer
):
    draft = consultations.create_consultation(
        reference="EMPTY", title="Nothing yet", created_by=officer
    )
    db.session.commit()
    sign_in("officer")

    response = client.post(f"/consultations/{draft.id}/issue")
    text = text_of(page_of(response, 400))

    assert "Before you can issue this consultation" in text
    assert "Deadline Not set yet" in text
    assert "Reminders Set once the deadline is set" in text
    assert "Add a recipient with an email address to see their letter" in text
    assert "Now issue the consultation" not in text


def test_the_reminder_dates_show_on_the_draft_page_and_the_deadline_page(client, sign_in, draft):
    sign_in("officer")

    for url in (f"/consultations/{draft.id}", f"/consultations/{draft.id}/deadline-and-reminders"):
        text = text_of(page_of(client.get(url)))
        assert "4pm on Tuesday 20 March 2029" in text
        assert "9am on Monday 26 March 2029" in text
        assert "9am on Tuesday 3 April 2029" in text


def test_each_request_shows_its_reminders_before_and_after_issue(client, sign_in, officer, draft):
    sign_in("scrutiny")
    request = db.session.scalar(select(Request).order_by(Request.id))

    before = text_of(page_of(client.get(f"/requests/{request.id}")))
    issuing.issue(draft, by=officer)
    slot = db.session.scalar(
        select(ReminderSlot).where(
            ReminderSlot.request_id == request.id, ReminderSlot.offset_days == -7
        )
    )
    slot.done_at = slot.due_at + timedelta(minutes=1)  # as the sweep leaves a skipped slot
    db.session.commit()
    after = text_of(page_of(client.get(f"/requests/{request.id}")))

    assert "9am on Monday 26 March 2029: 2 days before the deadline, once issued" in before
    assert "4pm on Tuesday 20 March 2029: 7 days before the deadline, not needed" in after
    assert "9am on Monday 26 March 2029: 2 days before the deadline, still to go" in after
    assert 'class="govuk-back-link"' in page_of(client.get(f"/requests/{request.id}"))
