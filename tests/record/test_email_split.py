"""Dropping in a saved email: the file kept whole, a check page that shows and moves the
split, and only the partner's words recorded."""

import html as markup
import io
import re

import pytest
from sqlalchemy import func, select

from consult.consultations import services as consultations
from consult.dates import london_datetime
from consult.db import utcnow
from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import stored_path
from consult.issuing import services as issuing
from consult.record import services as record
from consult.requests.models import Request
from consult.respond.models import Response
from consult.retention import services as retention
from tests import factories
from tests.forms_walk import forms_on
from tests.record.test_quoted import FIXTURES, INVITATION, TOKEN, msg_bytes, saved

# Each fixture's sender, as a contact of the organisation that is asked.
PARTNERS = {
    "Wales High School": "head@wales.example",
    "Wingfield Academy": "bursar@wingfield.example",
    "Northshire Police": "alex.moore@police.example",
    "Ysgol Gymraeg y Dyffryn": "pennaeth@dyffryn.example",
}
SENDERS = {
    "outlook_reply.eml": "Wales High School",
    "gmail_reply.eml": "Wingfield Academy",
    "original_message_reply.eml": "Northshire Police",
    "welsh_outlook_reply.eml": "Ysgol Gymraeg y Dyffryn",
}


@pytest.fixture
def issued(app):
    """Letters out on 23 March 2017, replies by 7 April, as in the seeds."""
    officer = factories.create_user("officer")
    organisations = [
        factories.create_organisation(name, contact_email=address)
        for name, address in PARTNERS.items()
    ]
    consultation = factories.create_ready_consultation(
        officer, organisations, deadline=london_datetime(2017, 4, 7, 17)
    )
    issuing.issue(consultation, by=officer, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    requests = {
        request.organisation.name: request
        for request in db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id)
        )
    }
    return consultation, requests


def choose(client, url, data, filename="reply.eml", **fields):
    """Step one: the saved email (and whose it is, if need be)."""
    return client.post(
        url,
        data={"email_file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def check_form(page):
    """The check page's form: its address and what it posts as it stands."""
    html = page.get_data(as_text=True)
    [(action, fields)] = [
        (action, fields) for _method, action, fields in forms_on(html) if "/check" in action
    ]
    return action, {field.name: field.baseline for field in fields if field.kind != "submit"}


def on_check_page(client, page, **fields):
    """Step two: the check page's form posted with ``fields`` (a button, the answer)."""
    action, values = check_form(page)
    answer = {"stance": "supports", "publication": "publish", "alternative_option": "0"}
    return client.post(action, data={**values, **answer, **fields})


def drop(client, url, data, filename="reply.eml", **fields):
    """Both steps, as an officer who accepts the split Consult found: the check page's
    answer if step one refused the email, else the answer to "Record as the reply"."""
    step_one = {k: fields.pop(k) for k in ("request_id", "contact_id") if k in fields}
    page = choose(client, url, data, filename, **step_one)
    if page.status_code != 200:
        return page
    return on_check_page(client, page, submit="y", **fields)


def shown_lines(page, heading):
    """The numbered lines under ``heading`` on the check page: [(number, text)]."""
    html = page.get_data(as_text=True)
    part = html.split(f">{heading}</h2>", 1)[1].split("</ol>", 1)[0]
    start = int(re.search(r'<ol[^>]*start="(\d+)"', part).group(1))
    items = re.findall(r"<li>(.*?)</li>", part, re.S)
    return [(start + n, markup.unescape(text).replace("\xa0", "")) for n, text in enumerate(items)]


def assert_recorded_without_the_thread(reply, name):
    last_line, first_quoted = FIXTURES[name]
    assert reply.comments.splitlines()[-1] == last_line
    for leaked in (TOKEN, "/r/", INVITATION, first_quoted, "chief.executive@council.example"):
        assert leaked not in reply.comments


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_a_saved_email_is_checked_then_only_the_partners_words_are_recorded(
    issued, client, sign_in, name
):
    consultation, requests = issued
    sign_in("officer")
    data = saved(name)

    page = choose(client, f"/consultations/{consultation.id}/record-email", data)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The partner's words" in html and "The quoted thread (not recorded)" in html
    assert db.session.scalar(select(func.count(Response.id))) == 0  # nothing recorded yet
    words, thread = (
        shown_lines(page, "The partner's words"),
        shown_lines(page, "The quoted thread (not recorded)"),
    )
    assert words[0][0] == 1 and thread[0][0] == words[-1][0] + 1
    assert thread[0][1] == FIXTURES[name][1]
    assert not any(TOKEN in text for _n, text in words)

    recorded = on_check_page(client, page, submit="y")

    assert recorded.status_code == 302
    request = requests[SENDERS[name]]
    reply = db.session.scalar(select(Response).where(Response.request_id == request.id))
    assert_recorded_without_the_thread(reply, name)
    assert reply.channel == "email"
    stored = reply.source_file
    assert stored.content_type == "message/rfc822" and stored.original_filename == "reply.eml"
    assert stored_path(stored).read_bytes() == data  # the original, whole


def test_an_outlook_msg_file_is_checked_and_recorded_as_its_words(issued, client, sign_in):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    data = msg_bytes("outlook_reply.eml")

    response = drop(
        client, f"/requests/{request.id}/record-email", data, filename="RE Your view.msg"
    )

    assert response.status_code == 302
    reply = db.session.scalar(select(Response))
    assert_recorded_without_the_thread(reply, "outlook_reply.eml")
    assert reply.source_file.content_type == "application/vnd.ms-outlook"
    assert reply.source_file.original_filename == "RE Your view.msg"
    assert stored_path(reply.source_file).read_bytes() == data


def test_the_check_page_preselects_no_publication_and_shows_where_the_words_end(
    issued, client, sign_in
):
    consultation, _requests = issued
    sign_in("officer")

    page = choose(
        client, f"/consultations/{consultation.id}/record-email", saved("gmail_reply.eml")
    )

    _action, values = check_form(page)
    assert values["words_end"] == ["10"]
    html = page.get_data(as_text=True)
    assert "Consult found the quoted thread starting at line 11." in html
    assert not re.search(r'name="publication"[^>]*checked', html)
    assert not re.search(r'name="stance"[^>]*checked', html)
    assert re.findall(r"<legend[^>]*>\s*([^<]+?)\s*</legend>", html) == [
        "The organisation&#39;s view of the preferred option",
        "May the reply be published in the annex?",
    ]
    assert "bursar@wingfield.example" in html and "Re: Children&#39;s services" in html

    unanswered = on_check_page(client, page, submit="y", publication="", stance="")

    assert unanswered.status_code == 400
    assert "Choose whether the reply may be published" in unanswered.get_data(as_text=True)
    assert check_form(unanswered)[1]["words_end"] == ["10"]  # the split stays as it was
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_the_officer_moves_the_split_and_what_is_recorded_follows(issued, client, sign_in):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    page = choose(client, f"/requests/{request.id}/record-email", saved("outlook_reply.eml"))

    moved = on_check_page(client, page, update="y", words_end="3", stance="", publication="")

    assert moved.status_code == 200
    assert [n for n, _text in shown_lines(moved, "The partner's words")] == [1, 2, 3]
    assert shown_lines(moved, "The quoted thread (not recorded)")[1][1] == "Kind regards,"
    assert db.session.scalar(select(func.count(Response.id))) == 0

    recorded = on_check_page(client, moved, submit="y")

    assert recorded.status_code == 302
    reply = db.session.scalar(select(Response))
    assert reply.comments.startswith("Dear Chief Executive,\n\nThank you for your letter")
    assert reply.comments.endswith("while teams move.")


def test_keeping_the_whole_email_is_refused_while_it_holds_the_partners_link(
    issued, client, sign_in
):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    page = choose(client, f"/requests/{request.id}/record-email", saved("outlook_reply.eml"))

    whole = on_check_page(client, page, whole="y")

    assert whole.status_code == 200
    assert "None: the whole email is the partner" in whole.get_data(as_text=True)
    assert "holds a link with a partner&#39;s secret token" in whole.get_data(as_text=True)

    refused = on_check_page(client, whole, submit="y")

    assert refused.status_code == 400
    assert "Line 20 holds a link with a partner&#39;s secret token" in refused.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_the_whole_email_is_kept_when_the_officer_says_so(issued, client, sign_in):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    text = (
        "Dear Chief Executive,\n\nWe support it.\n\nFrom: Pat Lee <head@wales.example>\n"
        "Sent: 2 April 2017 10:00\nTo: Governors\nSubject: Our view\n\nThe governors agree."
    )
    data = (
        "From: Pat Lee <head@wales.example>\nTo: chief.executive@council.example\n"
        "Subject: Our view\nDate: Mon, 3 Apr 2017 10:00:00 +0100\n\n" + text + "\n"
    ).encode()
    page = choose(client, f"/requests/{request.id}/record-email", data)
    whole = on_check_page(client, page, whole="y")

    recorded = on_check_page(client, whole, submit="y")

    assert recorded.status_code == 302
    assert db.session.scalar(select(Response.comments)) == text


@pytest.mark.parametrize(
    ("words_end", "message"),
    [
        ("abc", "Not a valid integer value"),
        ("-1", "Enter a line number of the email, or 0"),
        ("26", "Enter a line number from 0 to 25"),
        (str(10**30), "Enter a line number from 0 to 25"),
        ("", "Enter the line the partner"),
    ],
)
@pytest.mark.parametrize("button", ["update", "submit"])
def test_a_bad_line_number_is_a_form_error(issued, client, sign_in, words_end, message, button):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    page = choose(client, f"/requests/{request.id}/record-email", saved("outlook_reply.eml"))
    files = db.session.scalar(select(func.count(StoredFile.id)))

    response = on_check_page(client, page, **{button: "y", "words_end": words_end})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and message in html.replace("&#39;", "'")
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert db.session.scalar(select(func.count(StoredFile.id))) == files


def test_a_check_page_holds_only_an_email_this_officer_kept_for_this_request(
    issued, client, sign_in
):
    _consultation, requests = issued
    wales, wingfield = requests["Wales High School"], requests["Wingfield Academy"]
    officer = sign_in("officer")
    page = choose(client, f"/requests/{wales.id}/record-email", saved("outlook_reply.eml"))
    action, values = check_form(page)
    answer = {"stance": "supports", "publication": "publish", "submit": "y"}
    letter = factories.create_stored_pdf("letter.pdf")
    db.session.commit()
    a_letter = record.hold_email(letter, wales, contact=None, by=officer)
    reference = values["email"][0]
    cases = {
        "tampered": (action, reference[:-2] + ("AA" if not reference.endswith("AA") else "BB")),
        "missing": (action, ""),
        "another request's page": (f"/requests/{wingfield.id}/record-email/check", reference),
        "a letter, not an email": (action, a_letter),
    }
    for case, (url, held) in cases.items():
        response = client.post(url, data={**values, **answer, "email": held})
        assert response.status_code == 400, case
        assert "Choose the email again" in response.get_data(as_text=True), case

    client.post("/sign-out")
    sign_in("officer")  # another officer, on the same browser
    other = client.post(action, data={**values, **answer})
    assert other.status_code == 400 and "could not be found" in other.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_an_email_is_recorded_once_however_often_its_check_page_is_sent(issued, client, sign_in):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    page = choose(client, f"/requests/{request.id}/record-email", saved("outlook_reply.eml"))

    assert on_check_page(client, page, submit="y").status_code == 302
    again = on_check_page(client, page, submit="y")

    assert again.status_code == 400
    assert "already recorded, as version 1" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_step_one_refuses_an_email_sent_before_the_consultation_and_keeps_nothing(
    issued, client, sign_in
):
    consultation, _requests = issued
    sign_in("officer")
    early = saved("outlook_reply.eml").replace(b"Mon, 03 Apr 2017", b"Wed, 01 Mar 2017")

    response = choose(client, f"/consultations/{consultation.id}/record-email", early)

    assert response.status_code == 400
    assert "Thursday 23 March 2017 or later" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_the_original_email_is_downloaded_by_officers_only(issued, client, sign_in):
    _consultation, requests = issued
    request = requests["Wales High School"]
    sign_in("officer")
    data = saved("outlook_reply.eml")
    assert drop(client, f"/requests/{request.id}/record-email", data).status_code == 302
    reply = db.session.scalar(select(Response))
    link = f"/responses/{reply.id}/original-email"

    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Original email (officers only)" in page and link in page
    download = client.get(link)
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == "message/rfc822"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert TOKEN not in client.get(f"/requests/{request.id}").get_data(as_text=True)

    client.post("/sign-out")
    sign_in("scrutiny")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Original email" not in page and link not in page
    assert client.get(link).status_code == 403

    client.post("/sign-out")
    assert client.get(link).status_code == 302  # sent to sign in


def test_past_retention_the_original_email_is_erased(issued, client, sign_in):
    consultation, requests = issued
    request = requests["Wales High School"]
    officer = sign_in("officer")
    assert (
        drop(client, f"/requests/{request.id}/record-email", saved("outlook_reply.eml")).status_code
        == 302
    )
    stored = db.session.scalar(select(Response)).source_file

    plan = retention.plan_consultation_erasure(consultation)
    consultations.close(consultation, by=officer, at=utcnow())
    retention.erase_consultation(consultation, now=utcnow())
    db.session.commit()

    assert plan["original_emails"] == 1
    db.session.refresh(stored)
    assert stored.erased_at is not None and not stored_path(stored).exists()
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "The original email was erased" in page
    assert (
        client.get(
            f"/responses/{db.session.scalar(select(Response.id))}/original-email"
        ).status_code
        == 404
    )
