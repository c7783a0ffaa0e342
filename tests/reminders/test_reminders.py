"""Reminders timed from the deadline, sent once per slot, only to those still to reply."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.correspondence.models import Message
from consult.dates import format_datetime, london_datetime
from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.reminders import services as reminders
from consult.reminders.models import ReminderSlot
from consult.requests.models import Request
from consult.respond import services as respond
from tests import factories

# Friday 7 April 2017, 5pm: the deadline of the 2017 consultation.
DEADLINE = london_datetime(2017, 4, 7, 17, 0)
ISSUED = london_datetime(2017, 3, 23, 9, 0)


@pytest.fixture
def officer(app):
    return factories.create_user("officer")


@pytest.fixture
def consultation(officer):
    partners = [
        factories.create_organisation(name)
        for name in ("Wingfield Academy", "South Yorkshire Police", "NHS Rotherham CCG")
    ]
    consultation = factories.create_ready_consultation(officer, partners, deadline=DEADLINE)
    consultation.accepts_late_replies = True
    issuing.issue(consultation, by=officer, now=ISSUED)
    db.session.commit()
    return consultation


def reminders_sent():
    return db.session.scalars(
        select(Message).where(Message.kind == "reminder").order_by(Message.id)
    ).all()


def sweep(at):
    result = reminders.sweep_due_slots(now=at)
    db.session.commit()
    return result


def request_of(name):
    return db.session.scalar(
        select(Request).join(Request.organisation).where(Request.organisation.has(name=name))
    )


def test_issuing_makes_one_slot_per_offset_timed_from_the_deadline(consultation):
    slots = db.session.scalars(
        select(ReminderSlot).order_by(ReminderSlot.request_id, ReminderSlot.offset_days)
    ).all()

    assert len(slots) == 3 * 3
    times = {slot.offset_days: format_datetime(slot.due_at) for slot in slots}
    # 7 days before is Friday 31 March; 2 days before is Wednesday 5 April.
    assert times[-7] == "5pm on Friday 31 March 2017"
    assert times[-2] == "5pm on Wednesday 5 April 2017"
    # 3 days after is Monday 10 April 2017 at 5pm: working time (Easter Monday was the 17th).
    assert times[3] == "5pm on Monday 10 April 2017"


def test_a_simulated_consultation_day_by_day_sends_the_right_reminders(consultation, officer):
    """From issue to three days after the deadline, sweeping every hour."""
    now = ISSUED
    while now < DEADLINE + timedelta(days=4):
        if now.date().isoformat() == "2017-04-03" and now.hour == 10:
            # The police reply on Monday 3 April; the CCG says it will not respond.
            respond.record_response(
                request_of("South Yorkshire Police"),
                stance="supports",
                received_at=now,
                channel="email",
                entered_by=officer,
            )
            ccg = request_of("NHS Rotherham CCG")
            ccg.status = "declined"
            db.session.commit()
        sweep(now)
        now += timedelta(hours=1)

    sent = reminders_sent()
    by_partner = {}
    for message in sent:
        by_partner.setdefault(message.request.organisation.name, []).append(message)
    # The school, which never replied, got all three; the others only the first.
    assert len(by_partner["Wingfield Academy"]) == 3
    assert len(by_partner["South Yorkshire Police"]) == 1
    assert len(by_partner["NHS Rotherham CCG"]) == 1
    school = by_partner["Wingfield Academy"]
    assert school[0].subject.endswith("7 days left")
    assert "7 days left: the deadline is 5pm on Friday 7 April 2017." in school[0].body_text
    assert "2 days left" in school[1].body_text
    assert "The deadline was 5pm on Friday 7 April 2017, 3 days ago." in school[2].body_text
    assert "Late replies are still accepted" in school[2].body_text
    assert all("LINK-WITHHELD" in m.body_text and m.sealed_link for m in sent)
    # Every slot was dealt with exactly once.
    assert (
        db.session.scalar(
            select(func.count()).select_from(ReminderSlot).where(ReminderSlot.done_at.is_(None))
        )
        == 0
    )


def test_sweeping_twice_sends_each_slot_once(consultation):
    at = DEADLINE - timedelta(days=7)
    sweep(at)
    sweep(at)
    sweep(at + timedelta(minutes=5))

    assert len(reminders_sent()) == 3


def test_a_slot_is_unique_per_request_and_offset(consultation):
    from sqlalchemy.exc import IntegrityError

    request = request_of("Wingfield Academy")
    db.session.add(ReminderSlot(request_id=request.id, offset_days=-7, due_at=DEADLINE))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_no_reminder_after_the_deadline_when_late_replies_are_not_accepted(consultation):
    consultation.accepts_late_replies = False
    db.session.commit()

    sweep(DEADLINE + timedelta(days=3, hours=1))

    assert [m.subject for m in reminders_sent() if "passed" in m.subject] == []


def test_no_reminder_once_the_consultation_is_closed(consultation, officer):
    from consult.consultations import services as consultations

    consultations.close(consultation, by=officer)
    db.session.commit()

    sweep(DEADLINE)

    assert reminders_sent() == []


def test_no_reminder_to_a_withdrawn_request_or_a_revoked_link(consultation, officer):
    issuing.withdraw(request_of("Wingfield Academy"), by=officer)
    police = request_of("South Yorkshire Police")
    police.links[0].revoked_at = utcnow()
    db.session.commit()

    sweep(DEADLINE - timedelta(days=7))

    assert [m.request.organisation.name for m in reminders_sent()] == ["NHS Rotherham CCG"]


def test_moving_the_deadline_moves_the_unsent_slots(consultation, officer, monkeypatch):
    sweep(DEADLINE - timedelta(days=7))  # the first slot goes
    new_deadline = london_datetime(2017, 4, 21, 17, 0)

    monkeypatch.setattr(issuing, "utcnow", lambda: london_datetime(2017, 4, 1, 9, 0))
    issuing.change_deadline(
        consultation, new_deadline, by=officer, now=london_datetime(2017, 4, 1, 9, 0)
    )
    db.session.commit()

    slots = db.session.scalars(
        select(ReminderSlot)
        .where(ReminderSlot.request_id == request_of("Wingfield Academy").id)
        .order_by(ReminderSlot.offset_days)
    ).all()
    assert [(s.offset_days, s.done_at is not None) for s in slots] == [
        (-7, True),
        (-2, False),
        (3, False),
    ]
    assert format_datetime(slots[1].due_at) == "5pm on Wednesday 19 April 2017"
    assert format_datetime(slots[2].due_at) == "5pm on Monday 24 April 2017"


def test_a_reminder_stored_before_a_response_is_not_sent_after_it(
    consultation, officer, smtp_app, smtp_server
):
    from worker.tasks.correspondence import deliver_messages

    sweep(DEADLINE - timedelta(days=7))
    respond.record_response(
        request_of("Wingfield Academy"),
        stance="supports",
        received_at=utcnow(),
        channel="email",
        entered_by=officer,
    )
    db.session.commit()

    deliver_messages([m.id for m in reminders_sent()])

    db.session.expire_all()
    school = [m for m in reminders_sent() if m.request.organisation.name == "Wingfield Academy"]
    assert school[0].status == "cancelled"
    assert "Not sent: the request is responded" in school[0].last_error
    assert len(smtp_server.inbox.messages) == 2


def test_remind_everyone_outstanding_now_once_per_press(consultation, officer):
    now = london_datetime(2017, 4, 4, 11, 0)
    first = reminders.remind_everyone_outstanding(consultation, by=officer, now=now)
    again = reminders.remind_everyone_outstanding(consultation, by=officer, now=now)
    db.session.commit()

    assert len(first) == 3 and again == []


def test_two_sweeps_at_once_on_two_database_sessions_send_each_slot_once(app, consultation):
    at = DEADLINE - timedelta(days=7)
    barrier = threading.Barrier(2, timeout=30)
    errors = []

    def sweep_in_own_session():
        with app.app_context():
            barrier.wait()
            try:
                reminders.sweep_due_slots(now=at)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=sweep_in_own_session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    db.session.expire_all()
    purposes = [m.purpose for m in reminders_sent()]
    assert len(purposes) == len(set(purposes)) == 3, errors


def test_a_response_committed_in_another_session_during_the_sweep_is_seen(
    app, consultation, officer
):
    """The sweep reads each request afresh (locked, on PostgreSQL) before reminding it; a
    response that lands after the reminder is stored is caught at delivery (the test
    above). Between them, a partner who responds while the sweep runs is not reminded."""
    at = DEADLINE - timedelta(days=7)
    school_id = request_of("Wingfield Academy").id
    officer_id = officer.id
    responded = threading.Event()

    def respond_in_own_session():
        with app.app_context():
            request = db.session.get(Request, school_id)
            respond.record_response(
                request,
                stance="supports",
                received_at=at,
                channel="email",
                entered_by=db.session.get(type(officer), officer_id),
            )
            db.session.commit()
            responded.set()

    thread = threading.Thread(target=respond_in_own_session)
    thread.start()
    responded.wait(timeout=30)
    sweep(at)
    thread.join(timeout=30)

    names = [m.request.organisation.name for m in reminders_sent()]
    assert "Wingfield Academy" not in names


def test_changing_the_policy_after_issue_affects_future_slots_only(consultation):
    sweep(DEADLINE - timedelta(days=7))  # the 7-days-before slot has gone
    consultation.reminder_offsets_days = [-7, -1]  # drop -2 and +3, add -1
    reminders.reschedule(consultation, now=DEADLINE - timedelta(days=6))
    db.session.commit()

    offsets = db.session.scalars(
        select(ReminderSlot.offset_days)
        .where(ReminderSlot.request_id == request_of("Wingfield Academy").id)
        .order_by(ReminderSlot.offset_days)
    ).all()
    assert offsets == [-7, -1]
    sent = db.session.scalar(
        select(ReminderSlot).where(
            ReminderSlot.request_id == request_of("Wingfield Academy").id,
            ReminderSlot.offset_days == -7,
        )
    )
    assert sent.done_at is not None
