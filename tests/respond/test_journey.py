"""A partner answers through their link: open, answer, check, send, amend, decline."""

import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from consult.correspondence.models import Message
from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink, Request
from consult.requests.tokens import create_token
from consult.respond.models import Response, ResponseDraft
from tests import factories


@pytest.fixture
def issued(app):
    officer = factories.create_user("officer")
    school = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [school])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    return consultation


def new_token(link=None):
    link = link or db.session.scalar(select(RecipientLink))
    _row, token = create_token(link)
    db.session.commit()
    return token


def the_request():
    db.session.expire_all()
    return db.session.scalar(select(Request))


ANSWER = {
    "stance": "supports_with_reservations",
    "comments": "We support it.\n\nSchools must stay on the board.",
    "responder_name": "Alex Morgan",
    "responder_role": "Headteacher",
    "answers_for_organisation": "y",
    "publication": "publish",
    "submit": "Continue",
}


def open_link(client, token):
    response = client.post(f"/r/{token}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/respond"
    return response


def test_opening_the_link_changes_nothing_until_the_person_presses_respond(client, issued):
    token = new_token()

    page = client.get(f"/r/{token}")

    assert page.status_code == 200
    assert "Respond for Wingfield Academy" in page.get_data(as_text=True)
    request = the_request()
    assert request.opened_at is None and request.status == "issued"
    assert db.session.scalar(select(RecipientLink)).first_used_at is None

    open_link(client, token)

    request = the_request()
    assert request.status == "opened" and request.opened_at is not None


def test_link_pages_keep_the_token_to_themselves(client, issued):
    token = new_token()

    landing = client.get(f"/r/{token}")
    after = open_link(client, token)
    overview = client.get("/respond")

    for response in (landing, after, overview):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    assert token not in after.headers["Location"]
    assert token not in overview.get_data(as_text=True)


def test_a_partner_answers_checks_and_sends_and_gets_a_copy(client, issued):
    open_link(client, new_token())

    to_check = client.post("/respond/answer", data=ANSWER)
    assert to_check.headers["Location"].endswith("/respond/check")
    check = client.get("/respond/check").get_data(as_text=True)
    assert "Schools must stay on the board." in check
    revision = db.session.scalar(select(ResponseDraft.revision))
    sent = client.post("/respond/check", data={"revision": revision, "version_seen": 0})

    assert sent.status_code == 303
    confirmation = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Response sent" in confirmation and f"CYPS-2017-{the_request().id}-1" in confirmation
    response = db.session.scalar(select(Response))
    assert response.stance == "supports_with_reservations" and response.channel == "web"
    assert response.comments == "We support it.\n\nSchools must stay on the board."
    assert the_request().status == "responded"
    acknowledgement = db.session.scalar(select(Message).where(Message.kind == "acknowledgement"))
    assert "Schools must stay on the board." in acknowledgement.body_text
    assert db.session.scalar(select(ResponseDraft)) is None


def test_amending_keeps_every_version(client, issued):
    open_link(client, new_token())
    for stance in ("supports", "does_not_support"):
        client.post("/respond/answer", data={**ANSWER, "stance": stance})
        db.session.expire_all()
        draft = db.session.scalar(select(ResponseDraft))
        client.post(
            "/respond/check",
            data={"revision": draft.revision, "version_seen": draft.based_on_version or 0},
        )

    versions = db.session.scalars(select(Response).order_by(Response.version)).all()
    assert [(v.version, v.stance) for v in versions] == [(1, "supports"), (2, "does_not_support")]
    assert the_request().response_version == 2


def test_continue_without_the_essentials_says_what_is_missing(client, issued):
    open_link(client, new_token())

    response = client.post("/respond/answer", data={"submit": "Continue"})
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    for words in (
        "Choose your organisation",
        "Enter your full name",
        "Choose whether we may publish",
        "Confirm that you are answering",
    ):
        assert words in page


def test_preferring_another_option_needs_the_option(client, issued):
    open_link(client, new_token())

    response = client.post("/respond/answer", data={**ANSWER, "stance": "prefers_another_option"})

    assert response.status_code == 400
    assert "Choose the option your organisation prefers" in response.get_data(as_text=True)


def test_save_and_come_back_keeps_a_part_answer_for_any_contact(client, issued, app):
    open_link(client, new_token())
    saved = client.post("/respond/answer", data={"comments": "Half written", "save": "Save"})
    assert saved.status_code == 302

    from consult.directory import services as directory

    request = the_request()
    colleague = directory.add_contact(
        request.organisation, name="Sam Patel", email="sam@wingfield.example"
    )
    issuing.add_recipient_after_issue(
        issued, request.organisation, [colleague], by=factories.create_user("officer")
    )
    db.session.commit()
    other = app.test_client()
    link = db.session.scalar(select(RecipientLink).where(RecipientLink.contact_id == colleague.id))
    assert other.post(f"/r/{new_token(link)}").status_code == 303

    form = other.get("/respond/answer").get_data(as_text=True)
    assert "Half written" in form


def test_two_contacts_saving_at_once_never_lose_words(client, issued):
    open_link(client, new_token())
    client.post("/respond/answer", data={"comments": "First", "save": "Save"})
    draft = db.session.scalar(select(ResponseDraft))
    stale_revision = draft.revision
    client.post(
        "/respond/answer", data={"comments": "Second", "save": "Save", "revision": stale_revision}
    )

    conflict = client.post(
        "/respond/answer",
        data={"comments": "Third, from an old form", "save": "Save", "revision": stale_revision},
    )
    page = conflict.get_data(as_text=True)

    assert conflict.status_code == 400
    assert "after you opened it" in page and "Second" in page
    assert "Third, from an old form" in page
    db.session.expire_all()
    assert db.session.scalar(select(ResponseDraft.comments)) == "Second"


def test_a_submit_based_on_an_older_version_is_told_what_changed(client, issued):
    open_link(client, new_token())
    client.post("/respond/answer", data=ANSWER)
    draft = db.session.scalar(select(ResponseDraft))
    from consult.respond import services

    services.record_response(
        the_request(),
        stance="no_view",
        received_at=utcnow(),
        channel="email",
        entered_by=factories.create_user("officer"),
    )
    db.session.commit()

    response = client.post("/respond/check", data={"revision": draft.revision, "version_seen": 0})

    assert response.status_code == 409
    assert "Someone else sent a response meanwhile" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Response)).all()) == 1


def test_two_identical_submits_make_one_version(client, issued):
    open_link(client, new_token())
    client.post("/respond/answer", data=ANSWER)
    revision = db.session.scalar(select(ResponseDraft.revision))

    first = client.post("/respond/check", data={"revision": revision, "version_seen": 0})
    second = client.post("/respond/check", data={"revision": revision, "version_seen": 0})

    assert first.status_code == 303 and second.status_code in (302, 303)
    assert len(db.session.scalars(select(Response)).all()) == 1


def test_declining_stops_and_undoing_restores(client, issued):
    open_link(client, new_token())

    client.post("/respond/decline", data={"reason": "Not our area"})
    assert the_request().status == "declined"
    assert "said it will not respond" in client.get("/respond").get_data(as_text=True)

    client.post("/respond/undo-decline")
    assert the_request().status == "opened"


def test_after_the_deadline_the_page_shows_what_was_sent_read_only(client, issued):
    open_link(client, new_token())
    client.post("/respond/answer", data=ANSWER)
    revision = db.session.scalar(select(ResponseDraft.revision))
    client.post("/respond/check", data={"revision": revision, "version_seen": 0})
    issued.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    page = client.get("/respond").get_data(as_text=True)
    answer = client.get("/respond/answer")

    assert "can no longer be changed" in page
    assert answer.status_code == 302


def test_a_late_reply_is_accepted_where_allowed_and_marked_late(client, issued):
    issued.deadline_at = utcnow() - timedelta(hours=1)
    issued.accepts_late_replies = True
    db.session.commit()
    open_link(client, new_token())

    client.post("/respond/answer", data=ANSWER)
    revision = db.session.scalar(select(ResponseDraft.revision))
    client.post("/respond/check", data={"revision": revision, "version_seen": 0})

    response = db.session.scalar(select(Response))
    assert response.received_at > issued.deadline_at  # late: derived, never stored
    ack = db.session.scalar(select(Message).where(Message.kind == "acknowledgement"))
    assert "marked as late" in ack.body_text


@pytest.mark.parametrize(
    ("setup", "status", "words"),
    [
        ("unknown", 404, "This link does not work"),
        ("replaced", 410, "This link has been replaced"),
        ("withdrawn", 410, "This request has been withdrawn"),
        ("expired", 410, "This link has expired"),
        ("closed", 410, "This consultation has closed"),
    ],
)
def test_a_bad_link_gets_a_plain_page_that_says_what_happened(client, issued, setup, status, words):
    token = new_token()
    link = db.session.scalar(select(RecipientLink))
    officer = factories.create_user("officer")
    if setup == "unknown":
        token = token[:-4] + "abcd"
    elif setup == "replaced":
        issuing.resend_link(link, by=officer, tokens_seen=2)
    elif setup == "withdrawn":
        issuing.withdraw(link.request, by=officer)
    elif setup == "expired":
        link.expires_at = utcnow() - timedelta(minutes=1)
    elif setup == "closed":
        from consult.consultations import services as consultations

        consultations.close(issued, by=officer)
    db.session.commit()

    for response in (client.get(f"/r/{token}"), client.post(f"/r/{token}")):
        page = response.get_data(as_text=True)
        assert response.status_code == status
        assert words in page and "Wingfield" not in page


def test_without_opening_a_link_the_partner_pages_say_to_open_it(client, issued):
    response = client.get("/respond")

    assert response.status_code == 403
    assert "Open the link in your email again" in response.get_data(as_text=True)


def test_a_link_stopped_mid_session_stops_the_session_too(client, issued):
    open_link(client, new_token())
    issuing.withdraw(the_request(), by=factories.create_user("officer"))
    db.session.commit()

    assert client.get("/respond").status_code == 410


def test_token_look_ups_are_rate_limited_per_address(client, issued):
    statuses = [client.get(f"/r/not-a-real-token-{n:04d}").status_code for n in range(11)]

    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429


def test_tokens_never_reach_the_logs(app, issued, caplog, monkeypatch):
    token = new_token()
    # Another test in this process may have configured logging and so disabled the
    # werkzeug logger; this test is about what the masking filter writes.
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)
    caplog.set_level(logging.INFO, logger="werkzeug")
    # As the development server writes its access log.
    logging.getLogger("werkzeug").info(
        '%s - - [%s] "%s" %s %s', "127.0.0.1", "22/Nov/2026", f"GET /r/{token} HTTP/1.1", 200, "-"
    )

    assert token not in caplog.text
    assert "/r/[token]" in caplog.text


def test_a_partner_attaches_a_signed_letter(client, issued):
    from tests.files.samples import EXE_BYTES, pdf_bytes

    open_link(client, new_token())

    refused = client.post(
        "/respond/answer",
        data={**ANSWER, "letter": (io.BytesIO(EXE_BYTES), "letter.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "must be a PDF or Word file" in refused.get_data(as_text=True)
    assert db.session.scalar(select(ResponseDraft)) is None

    taken = client.post(
        "/respond/answer",
        data={**ANSWER, "letter": (io.BytesIO(pdf_bytes()), "Signed letter.pdf")},
        content_type="multipart/form-data",
    )
    assert taken.status_code == 302
    assert "Signed letter.pdf" in client.get("/respond/check").get_data(as_text=True)
    revision = db.session.scalar(select(ResponseDraft.revision))
    client.post("/respond/check", data={"revision": revision, "version_seen": 0})
    response = db.session.scalar(select(Response))
    assert response.letter_file.original_filename == "Signed letter.pdf"


def test_partners_read_the_papers_of_their_own_consultation_only(client, app):
    from consult.consultations import services as consultations
    from consult.files.services import PAPER_KINDS, store_upload
    from tests.files.samples import pdf_bytes

    officer = factories.create_user("officer")
    school = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [school])
    stored = store_upload(
        FileStorage(stream=io.BytesIO(pdf_bytes()), filename="Options appraisal.pdf"),
        PAPER_KINDS,
    )
    document = consultations.add_document(
        consultation, stored, title="Annex 1: options appraisal", by=officer
    )
    issuing.issue(consultation, by=officer)
    db.session.commit()
    open_link(client, new_token())

    overview = client.get("/respond").get_data(as_text=True)
    download = client.get(f"/respond/papers/{document.id}")

    assert f'href="/respond/papers/{document.id}"' in overview
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Options appraisal.pdf" in download.headers["Content-Disposition"]
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/respond/papers/{document.id + 1000}").status_code == 404
