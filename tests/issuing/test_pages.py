"""The officer's pages for issuing and following the send-out."""

import pytest
from sqlalchemy import select

from consult.correspondence.models import Message
from consult.dates import london
from consult.extensions import db
from consult.requests.models import RecipientLink, Request
from tests import factories
from worker.tasks.correspondence import deliver_messages


@pytest.fixture
def draft(app):
    officer = factories.create_user("officer")
    organisations = [factories.create_organisation(f"School {n}") for n in range(3)]
    consultation = factories.create_ready_consultation(officer, organisations)
    db.session.commit()
    return consultation


def test_the_issue_page_says_who_will_be_sent_what(client, sign_in, draft):
    sign_in("officer")

    page = client.get(f"/consultations/{draft.id}/issue").get_data(as_text=True)

    assert "3 organisations" in page and "3 people with an email address" in page
    assert "Issue the consultation" in page


def test_the_issue_page_lists_what_must_be_fixed_first(client, sign_in, app):
    officer = sign_in("officer")
    empty = factories.create_ready_consultation(officer, [], reference="EMPTY")
    db.session.commit()

    response = client.post(f"/consultations/{empty.id}/issue")
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "Before you can issue this consultation" in page
    assert "Add at least one recipient with an email address" in page
    assert db.session.scalar(select(Message)) is None


def test_issuing_from_the_page_then_a_double_click_sends_each_invitation_once(
    client, sign_in, draft
):
    sign_in("officer")

    first = client.post(f"/consultations/{draft.id}/issue")
    second = client.post(f"/consultations/{draft.id}/issue")

    assert first.status_code == second.status_code == 302
    assert len(db.session.scalars(select(Message)).all()) == 3
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already been issued" in page


def test_the_send_out_page_counts_sent_waiting_and_failed_with_reasons(
    client, sign_in, draft, smtp_app, smtp_server
):
    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")
    ids = list(db.session.scalars(select(Message.id).order_by(Message.id)))
    refused = db.session.get(Message, ids[0]).to_address
    smtp_server.inbox.refuse[refused] = "550 5.1.1 User unknown"

    deliver_messages(ids[:2])

    page = client.get(f"/consultations/{draft.id}/send-out").get_data(as_text=True)
    assert '1</span> of <span data-count="total">3</span> invitations sent' in page
    assert "User unknown" in page
    progress = client.get(f"/consultations/{draft.id}/send-out.json").get_json()
    assert progress["sent"] == 1 and progress["failed"] == 1 and progress["waiting"] == 1
    request = db.session.scalar(
        select(Request).join(Message, Message.request_id == Request.id).where(Message.id == ids[0])
    )
    assert request.status == "failed"


def test_the_send_out_page_runs_the_same_queries_for_3_or_30_recipients(
    client, sign_in, app, count_queries
):
    officer = sign_in("officer")
    counts = []
    for size in (3, 30):
        organisations = [factories.create_organisation() for _ in range(size)]
        consultation = factories.create_ready_consultation(
            officer, organisations, reference=f"SIZE-{size}"
        )
        db.session.commit()
        client.post(f"/consultations/{consultation.id}/issue")
        with count_queries() as queries:
            assert client.get(f"/consultations/{consultation.id}/send-out").status_code == 200
        counts.append(queries.count)

    assert counts[0] == counts[1]


def test_the_request_page_tells_its_story_and_offers_the_officer_actions(client, sign_in, draft):
    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")
    request = db.session.scalar(select(Request).order_by(Request.id))

    page = client.get(f"/requests/{request.id}").get_data(as_text=True)

    assert request.organisation.name in page
    assert "Send a new link" in page and "Withdraw the request" in page
    assert "Invitation" in page and "Queued" in page


def test_scrutiny_sees_the_request_but_no_actions(client, sign_in, draft):
    officer = factories.create_user("officer")
    from consult.issuing import services

    services.issue(draft, by=officer)
    db.session.commit()
    sign_in("scrutiny")
    request = db.session.scalar(select(Request))

    page = client.get(f"/requests/{request.id}").get_data(as_text=True)

    assert request.organisation.name in page
    assert "Send a new link" not in page and "Withdraw the request" not in page


def test_resend_and_withdraw_through_the_pages(client, sign_in, draft):
    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")
    link = db.session.scalar(select(RecipientLink).order_by(RecipientLink.id))

    resent = client.post(f"/links/{link.id}/resend", data={"tokens_seen": 1})
    again = client.post(f"/links/{link.id}/resend", data={"tokens_seen": 1})
    withdrawn = client.post(f"/requests/{link.request_id}/withdraw", data={"reason": "Closed"})

    assert resent.status_code == again.status_code == withdrawn.status_code == 302
    page = client.get(f"/requests/{link.request_id}").get_data(as_text=True)
    assert "Withdrawn" in page
    kinds = [
        m.kind
        for m in db.session.scalars(
            select(Message).where(Message.request_id == link.request_id).order_by(Message.id)
        )
    ]
    assert kinds == ["invitation", "link_resent"]


def test_adding_a_recipient_after_issue_through_the_pages(client, sign_in, draft):
    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")
    police = factories.create_organisation("South Yorkshire Police")
    db.session.commit()

    chosen = client.post(
        f"/consultations/{draft.id}/add-recipient", data={"organisation": police.id}
    )
    assert chosen.headers["Location"].endswith(f"/add-recipient/{police.id}")
    added = client.post(chosen.headers["Location"], data={"contacts": [police.contacts[0].id]})

    assert added.status_code == 302
    assert (
        db.session.scalar(
            select(Message)
            .join(Request, Request.id == Message.request_id)
            .where(Request.organisation_id == police.id)
        ).kind
        == "invitation"
    )


def test_the_correspondence_log_and_a_message_page(client, sign_in, draft):
    sign_in("scrutiny")
    officer = factories.create_user("officer")
    from consult.issuing import services

    services.issue(draft, by=officer)
    db.session.commit()
    message = db.session.scalar(select(Message))

    log = client.get(f"/consultations/{draft.id}/correspondence").get_data(as_text=True)
    shown = client.get(f"/messages/{message.id}").get_data(as_text=True)
    filtered = client.get(f"/consultations/{draft.id}/correspondence?status=sent")

    assert "3 messages" in log
    assert message.subject.replace("'", "&#39;") in shown and "LINK-WITHHELD" in shown
    assert "No emails with this status" in filtered.get_data(as_text=True)


def test_changing_the_deadline_through_the_page_tells_partners(client, sign_in, draft):
    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")
    new = london(draft.deadline_at).date()
    new = new.replace(year=new.year + 1)

    form = client.get(f"/consultations/{draft.id}/deadline").get_data(as_text=True)
    response = client.post(
        f"/consultations/{draft.id}/deadline",
        data={
            "deadline": [str(new.day), str(new.month), str(new.year)],
            "deadline_time": "17:00",
            "tell_partners": "y",
        },
    )

    assert 'name="deadline"' in form
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The deadline is now 5pm on" in page and "3 partners are being told" in page
    notices = db.session.scalars(select(Message).where(Message.kind == "deadline_changed")).all()
    assert len(notices) == 3


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (["31", "2", "2030"], "Enter a real date"),
        (["1", "1", "2001"], "must be in the future"),
        (["", "", ""], "Enter the deadline"),
    ],
)
def test_a_bad_new_deadline_is_explained(client, sign_in, draft, day, message):
    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")

    response = client.post(
        f"/consultations/{draft.id}/deadline", data={"deadline": day, "deadline_time": "17:00"}
    )

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_send_out_page_says_when_the_worker_has_stopped(client, sign_in, draft):
    from consult.health import services as health

    sign_in("officer")
    client.post(f"/consultations/{draft.id}/issue")

    stopped = client.get(f"/consultations/{draft.id}/send-out").get_data(as_text=True)
    health.record_heartbeat()
    db.session.commit()
    running = client.get(f"/consultations/{draft.id}/send-out").get_data(as_text=True)

    assert "mail worker has not run for a few minutes" in stopped
    assert "mail worker has not run" not in running
