"""Issuing: one action, one transaction; every request, link, token and invitation once."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from consult.audit.models import AuditEvent
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.extensions import Base, db
from consult.issuing import services
from consult.requests.models import LinkToken, RecipientLink, Request
from consult.requests.tokens import hash_token
from tests import factories
from tests.smtp import text_of
from worker.tasks.correspondence import deliver_messages


@pytest.fixture
def officer(app):
    return factories.create_user("officer")


@pytest.fixture
def ready(officer):
    school = factories.create_organisation("Wingfield Academy")
    police = factories.create_organisation("South Yorkshire Police")
    consultation = factories.create_ready_consultation(officer, [school, police])
    db.session.commit()
    return consultation


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_issuing_opens_the_consultation_with_a_token_and_an_invitation_per_contact(ready, officer):
    invitations = services.issue(ready, by=officer)
    db.session.commit()

    assert invitations == 2
    assert ready.state == "open" and ready.issued_at is not None
    requests = db.session.scalars(select(Request)).all()
    assert {r.status for r in requests} == {"issued"}
    assert count(LinkToken) == 2
    messages = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.kind for m in messages] == ["invitation", "invitation"]
    assert {m.purpose for m in messages} == {
        f"invitation:link:{link.id}" for link in db.session.scalars(select(RecipientLink))
    }
    assert all(m.status == "queued" and m.sealed_link for m in messages)
    links = db.session.scalars(select(RecipientLink)).all()
    assert all(link.expires_at == ready.deadline_at + timedelta(days=28) for link in links)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "issued"))


def test_issuing_twice_changes_nothing_and_sends_nothing_more(ready, officer):
    services.issue(ready, by=officer)
    db.session.commit()
    before = {table.name: count(table) for table in Base.metadata.sorted_tables}

    with pytest.raises(services.AlreadyIssued):
        services.issue(ready, by=officer)
    db.session.rollback()

    assert {table.name: count(table) for table in Base.metadata.sorted_tables} == before


def test_the_raw_token_appears_nowhere_in_the_database_or_the_logs(
    smtp_app, smtp_server, ready, officer, caplog
):
    caplog.set_level(logging.DEBUG)
    services.issue(ready, by=officer)
    db.session.commit()
    ids = list(db.session.scalars(select(Message.id)))

    deliver_messages(ids)

    tokens = []
    for _recipients, message in smtp_server.inbox.messages:
        body = text_of(message)
        url = body.split("https://consult.council.example/r/")[1].split()[0]
        tokens.append(url)
    assert len(tokens) == 2 and all(len(token) >= 43 for token in tokens)
    dump = database_dump()
    # Everything logged, but for the test mail server's own log of what it received.
    our_log = "\n".join(
        record.getMessage() for record in caplog.records if record.name != "mail.log"
    )
    for token in tokens:
        assert token not in dump
        assert token not in our_log
        assert hash_token(token) in dump  # only the hash is kept
    assert LINK_PLACEHOLDER in dump


def database_dump():
    """Every value of every row of every table, as one string."""
    parts = []
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_each_invitation_names_the_organisation_the_contact_the_question_and_the_deadline(
    smtp_app, smtp_server, ready, officer
):
    services.issue(ready, by=officer)
    db.session.commit()
    deliver_messages(list(db.session.scalars(select(Message.id))))

    school_contact = db.session.scalar(
        select(RecipientLink)
        .join(Request)
        .join(Request.organisation)
        .where(text("organisations.name = 'Wingfield Academy'"))
    ).contact
    [email] = smtp_server.inbox.to(school_contact.email)
    body = text_of(email)
    assert f"Dear {school_contact.name}," in body
    assert "Wingfield Academy" in body
    assert "Do you support the preferred option?" in body
    assert "Appointment of a peer practice partner" in body
    assert "5pm" in body or "on " in body
    assert email["Subject"].startswith("Children's services")


def test_a_contact_without_an_email_gets_no_link_and_no_message(ready, officer):
    from consult.directory import services as directory

    organisation = factories.create_organisation("Rotherham Hospice")
    no_email = directory.add_contact(organisation, name="Pat Lee", role="Director")
    from consult.issuing.services import add_recipient

    add_recipient(ready, organisation, [no_email])
    db.session.commit()

    services.issue(ready, by=officer)
    db.session.commit()

    assert count(Message) == 2
    assert count(LinkToken) == 2


def test_two_officers_issuing_at_once_make_one_set_of_requests_links_and_messages(
    app, ready, officer, database_url
):
    """Two real database sessions race; the loser finds it already issued or fails on a
    unique constraint, and nothing is stored twice."""
    import threading

    from consult.consultations.models import Consultation

    results = []
    barrier = threading.Barrier(2, timeout=30)
    consultation_id, officer_id = ready.id, officer.id

    def issue_in_own_session():
        with app.app_context():
            consultation = db.session.get(Consultation, consultation_id)
            by = db.session.get(type(officer), officer_id)
            barrier.wait()
            try:
                services.issue(consultation, by=by)
                db.session.commit()
                results.append("issued")
            except Exception as error:
                db.session.rollback()
                results.append(type(error).__name__)

    threads = [threading.Thread(target=issue_in_own_session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results.count("issued") == 1, results
    db.session.expire_all()
    assert count(Message) == 2 and count(LinkToken) == 2


def test_a_draft_that_is_not_ready_cannot_be_issued(officer):
    consultation = factories.create_ready_consultation(officer, [], reference="EMPTY")
    db.session.commit()

    with pytest.raises(services.IssuingError):
        services.issue(consultation, by=officer)
    db.session.rollback()
    assert consultation.state == "draft"


def test_issuing_is_one_transaction_nothing_is_kept_if_it_fails(ready, officer, monkeypatch):
    from consult.requests import partner_emails as emails

    calls = []

    def fail_on_second(link, **kwargs):
        calls.append(link)
        if len(calls) == 2:
            raise RuntimeError("the mail template broke")
        return original(link, **kwargs)

    original = emails.invitation
    monkeypatch.setattr(emails, "invitation", fail_on_second)
    with pytest.raises(RuntimeError):
        services.issue(ready, by=officer)
    db.session.rollback()

    assert count(Message) == 0 and count(LinkToken) == 0
    db.session.refresh(ready)
    assert ready.state == "draft"


def test_issuing_with_the_broker_down_keeps_everything_for_the_sweep(client, sign_in, ready, app):
    """The broker is unreachable when the officer issues: the requests and invitations are
    saved, the officer sees the send-out, and the stored messages wait for the sweep."""
    sign_in("officer")
    celery = app.extensions["celery"]
    celery.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there

    response = client.post(f"/consultations/{ready.id}/issue")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{ready.id}/send-out")
    db.session.expire_all()
    assert count(Message) == 2
    assert {m.status for m in db.session.scalars(select(Message))} == {"queued"}
    assert "Issued. 2 invitations are on their way." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_links_in_emails_use_the_configured_address_never_the_requests_host(client, sign_in, ready):
    sign_in("officer")

    client.post(f"/consultations/{ready.id}/issue", headers={"Host": "evil.example"})

    for message in db.session.scalars(select(Message)):
        assert "evil.example" not in message.body_text + message.body_html
        assert "https://consult.council.example/r/LINK-WITHHELD" in message.body_text


@pytest.fixture
def county_wide(officer):
    """A draft to seven schools: enough for several chunks of three."""
    schools = [factories.create_organisation(f"Primary school {n}") for n in range(7)]
    consultation = factories.create_ready_consultation(officer, schools)
    db.session.commit()
    return consultation


def invitations_stored():
    db.session.expire_all()
    return count_where(Message.kind == "invitation")


def count_where(condition):
    return db.session.scalar(select(func.count(Message.id)).where(condition))


def test_issuing_with_a_limit_stores_the_first_invitations_and_the_worker_the_rest(
    county_wide, officer, monkeypatch
):
    from worker.tasks.issuing import prepare_invitations

    invitations = services.issue(county_wide, by=officer, invitations_now=3)
    db.session.commit()

    assert invitations == 7
    assert invitations_stored() == 3
    assert county_wide.invitations_prepared_at is None
    assert services.queries.count_invitations_to_prepare(county_wide) == 4
    # Every link is issued at once, so the invitations yet to be written are known.
    assert all(link.issued_at for link in db.session.scalars(select(RecipientLink)))

    monkeypatch.setattr(services, "INVITATIONS_PER_CHUNK", 3)
    assert prepare_invitations(county_wide.id) == 4

    assert invitations_stored() == 7
    db.session.refresh(county_wide)
    assert county_wide.invitations_prepared_at is not None
    assert count(LinkToken) == 7
    purposes = db.session.scalars(select(Message.purpose)).all()
    assert len(set(purposes)) == 7


def test_preparing_again_stores_nothing_more(county_wide, officer):
    from worker.tasks.issuing import prepare_invitations

    services.issue(county_wide, by=officer)
    db.session.commit()

    assert prepare_invitations(county_wide.id) == 0
    assert invitations_stored() == 7


def test_a_request_withdrawn_before_its_invitation_was_written_gets_none(county_wide, officer):
    from worker.tasks.issuing import prepare_invitations

    services.issue(county_wide, by=officer, invitations_now=1)
    db.session.commit()
    waiting = db.session.scalars(
        select(Request)
        .join(RecipientLink, RecipientLink.request_id == Request.id)
        .where(~RecipientLink.id.in_(select(Message.recipient_link_id)))
        .order_by(Request.id)
    ).first()
    services.withdraw(waiting, by=officer, reason="The school has closed")
    db.session.commit()

    prepare_invitations(county_wide.id)

    assert invitations_stored() == 6
    assert count_where(Message.request_id == waiting.id) == 0
    db.session.refresh(county_wide)
    assert county_wide.invitations_prepared_at is not None


def test_the_sweep_asks_again_for_invitations_whose_task_was_lost(county_wide, officer):
    services.issue(county_wide, by=officer, invitations_now=2)
    db.session.commit()

    assert services.fetch_consultations_preparing(timedelta(minutes=1)) == []
    later = county_wide.issued_at + timedelta(minutes=2)
    assert services.fetch_consultations_preparing(timedelta(minutes=1), now=later) == [
        county_wide.id
    ]


def test_the_send_out_page_counts_invitations_still_being_written(
    client, sign_in, county_wide, monkeypatch
):
    monkeypatch.setattr(services, "INVITATIONS_PER_CHUNK", 3)
    sign_in("officer")

    client.post(f"/consultations/{county_wide.id}/issue")
    progress = client.get(f"/consultations/{county_wide.id}/send-out.json").get_json()
    page = client.get(f"/consultations/{county_wide.id}/send-out").get_data(as_text=True)

    assert progress["preparing"] == 4
    assert progress["total"] == 7 and progress["waiting"] == 7
    assert "Being written" in page
