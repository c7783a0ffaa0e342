"""What the officer sees of the reply mailbox: the emails filed under a consultation, the
ones that matched no request, a filed reply recorded from its request's page, bounces and
automatic replies noted, the counts on the consultation page, the correspondence log's
threads and the digest's bounces."""

import re
from email import message_from_bytes, policy

import pytest
from flask import current_app
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.correspondence.models import Message
from consult.correspondence.wire import message_id_header
from consult.dates import london_datetime
from consult.extensions import db
from consult.inbox import filing
from consult.inbox.models import Arrival
from consult.issuing import services as issuing
from consult.reminders import digest
from consult.requests.models import Request
from consult.respond.models import Response
from tests import factories
from tests.files.samples import pdf_bytes
from tests.inbox.emails import fixture, outlook_reply
from worker.tasks.correspondence import deliver_messages


@pytest.fixture
def issued(app):
    """Invitations sent on 23 March 2017 to a school, the police, and a school whose
    head has left (its address bounces), as in tests/inbox/test_filing.py."""
    officer = factories.create_user("officer", name="Priya Shah")
    organisations = [
        factories.create_organisation("Wales High School", contact_email="head@wales.example"),
        factories.create_organisation(
            "Cumbria Constabulary", contact_email="sam.patel@police.example"
        ),
        factories.create_organisation("Old School", contact_email="head@oldschool.example"),
    ]
    consultation = factories.create_ready_consultation(
        officer, organisations, deadline=london_datetime(2017, 4, 7, 17)
    )
    issuing.issue(consultation, by=officer, now=london_datetime(2017, 3, 23, 9))
    db.session.commit()
    deliver_messages(list(db.session.scalars(select(Message.id))))
    by_name = {
        request.organisation.name: request
        for request in db.session.scalars(
            select(Request).where(Request.consultation_id == consultation.id)
        )
    }
    return officer, consultation, by_name


def ours(request):
    message = db.session.scalar(select(Message).where(Message.request_id == request.id))
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return message_id_header(message.id, message.purpose, sender)


def arrive(raw):
    """Store ``raw`` as the mailbox's next message and file it, as the beat task does."""
    position = filing.mailbox_position("test")
    [arrival] = filing.store_batch("test", 1, [(position.last_uid + 1, raw, None)])
    filing.file_arrival(arrival)
    db.session.commit()
    return arrival


def with_letter(raw):
    message = message_from_bytes(raw, policy=policy.default)
    message.make_mixed()
    message.add_attachment(pdf_bytes(), "application", "pdf", filename="Response.pdf")
    return message.as_bytes()


def stranger(number=1):
    return arrive(outlook_reply(sender=f"A Governor <chair{number}@governors.example>"))


def fresh(model, row_id):
    """The row as the app left it, not as this test's session remembers it."""
    db.session.expire_all()
    return db.session.get(model, row_id)


def page_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def radio_checked(page, name):
    """Whether any radio named ``name`` is checked."""
    return any(
        "checked" in tag for tag in re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    )


# The request page


def test_a_filed_reply_shows_on_its_request_with_the_words_letter_and_a_form(
    client, sign_in, issued
):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(with_letter(outlook_reply(ours=ours(wales))))

    page = page_of(client.get(f"/requests/{wales.id}"))

    assert "Arrived by email, not yet recorded" in page
    assert "Pat Lee (Wales High School) replied on" in page
    assert re.search(r"replied on \d+ \w+ \d{4} to your invitation of \d+ \w+ \d{4}\.", page)
    assert "Letter attached: Response.pdf." in page
    assert "Matched in reply to your invitation" in page
    assert "early help hubs must stay open" in page
    assert '<div class="govuk-inset-text consult-pre">' in page
    assert f'href="/arrived-by-email/{arrival.id}/letters/1"' in page
    assert f'href="/arrived-by-email/{arrival.id}/original"' in page
    # The same questions as recording a reply by hand, nothing preselected.
    assert "The organisation&#39;s view of the preferred option" in page
    assert "May the reply be published in the annex?" in page
    assert not radio_checked(page, f"email-{arrival.id}-stance")
    assert not radio_checked(page, f"email-{arrival.id}-publication")
    assert "Record as the reply" in page
    assert 'class="govuk-back-link"' in page and "Back to the consultation" in page


def test_the_words_are_shown_as_text_never_as_html(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    raw = outlook_reply(ours=ours(wales)).replace(
        b"early help hubs", b"<script>alert(1)</script> early help hubs"
    )
    arrive(raw)

    page = page_of(client.get(f"/requests/{wales.id}"))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_officer_records_a_filed_reply_through_the_form(client, sign_in, issued):
    officer = sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(with_letter(outlook_reply(ours=ours(wales))))
    prefix = f"email-{arrival.id}-"

    response = client.post(
        f"/requests/{wales.id}/arrived-by-email/{arrival.id}/record",
        data={
            f"{prefix}stance": "supports_with_reservations",
            f"{prefix}publication": "publish_without_name",
            f"{prefix}alternative_option": "0",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{wales.id}")
    page = page_of(client.get(response.headers["Location"]))
    assert "is recorded as version 1 of the reply of Wales High School" in page  # banner
    assert "Arrived by email, not yet recorded" not in page
    assert 'href="#response">version 1 of the reply</a>' in page
    recorded = db.session.scalar(select(Response).where(Response.request_id == wales.id))
    assert (recorded.stance, recorded.publication, recorded.channel) == (
        "supports_with_reservations",
        "publish_without_name",
        "email",
    )
    assert recorded.entered_by_user_id == officer.id
    assert recorded.letter_file_id == arrival.attachments[0]["file_id"]
    assert fresh(Arrival, arrival.id).response_id == recorded.id
    assert fresh(Request, wales.id).status == "responded"


def test_the_stance_can_be_another_option_chosen_from_the_consultations(client, sign_in, issued):
    sign_in("officer")
    _, consultation, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(outlook_reply(ours=ours(wales)))
    other = next(option for option in consultation.options if not option.is_preferred)
    prefix = f"email-{arrival.id}-"

    response = client.post(
        f"/requests/{wales.id}/arrived-by-email/{arrival.id}/record",
        data={
            f"{prefix}stance": "prefers_another_option",
            f"{prefix}publication": "publish",
            f"{prefix}alternative_option": str(other.id),
        },
    )

    assert response.status_code == 302
    recorded = db.session.scalar(select(Response).where(Response.request_id == wales.id))
    assert recorded.alternative_option_id == other.id


@pytest.mark.parametrize(
    "answer, error",
    [
        ({}, "Choose the organisation&#39;s view"),
        ({"stance": "supports"}, "Choose whether the reply may be published"),
        ({"publication": "publish"}, "Choose the organisation&#39;s view"),
        ({"stance": "sideways", "publication": "publish"}, "Not a valid choice"),
        ({"stance": "supports", "publication": "everywhere"}, "Not a valid choice"),
        (
            {"stance": "prefers_another_option", "publication": "publish"},
            "Choose the option they prefer instead",
        ),
        (
            {
                "stance": "prefers_another_option",
                "publication": "publish",
                "alternative_option": "99999999999999999999",
            },
            "Not a valid choice",
        ),
        (
            {"stance": "supports", "publication": "publish", "alternative_option": "abc"},
            "Invalid Choice",
        ),
    ],
)
def test_a_bad_answer_is_a_400_with_an_error_summary_and_saves_nothing(
    client, sign_in, issued, answer, error
):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(outlook_reply(ours=ours(wales)))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    prefix = f"email-{arrival.id}-"

    response = client.post(
        f"/requests/{wales.id}/arrived-by-email/{arrival.id}/record",
        data={prefix + name: value for name, value in answer.items()},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and error in page
    assert "<title>Error:" in page
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert fresh(Arrival, arrival.id).response_id is None


def test_recording_twice_is_refused_and_records_once(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(outlook_reply(ours=ours(wales)))
    prefix = f"email-{arrival.id}-"
    answer = {f"{prefix}stance": "supports", f"{prefix}publication": "publish"}
    url = f"/requests/{wales.id}/arrived-by-email/{arrival.id}/record"

    first = client.post(url, data=answer)
    again = client.post(url, data=answer)

    assert first.status_code == again.status_code == 302
    page = page_of(client.get(again.headers["Location"]))
    assert "This email is already recorded as the reply." in page
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_an_email_of_another_request_or_none_is_not_found(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    wales, police = by_name["Wales High School"], by_name["Cumbria Constabulary"]
    arrival = arrive(outlook_reply(ours=ours(wales)))

    assert (
        client.post(f"/requests/{police.id}/arrived-by-email/{arrival.id}/record").status_code
        == 404
    )
    assert client.post(f"/requests/{wales.id}/arrived-by-email/999999/record").status_code == 404
    assert client.post(f"/requests/999999/arrived-by-email/{arrival.id}/record").status_code == 404


def test_a_bounce_on_the_request_says_find_another_contact(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    old = by_name["Old School"]
    arrive(fixture("exchange_ndr.eml", ours=ours(old)))

    page = page_of(client.get(f"/requests/{old.id}"))

    assert re.search(
        r"Bounced: head@oldschool.example: 550 5.1.10 RESOLVER.ADR.RecipientNotFound;"
        r" Recipient not found by SMTP address lookup \(\d+ \w+ \d{4}\)\.",
        page,
    )
    assert f'href="/partners/{old.organisation_id}">Find another contact' in page
    assert "Record as the reply" not in page


def test_an_automatic_reply_is_noted_on_the_request_and_not_recordable(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    police = by_name["Cumbria Constabulary"]
    arrival = arrive(fixture("exchange_out_of_office.eml", ours=ours(police)))

    page = page_of(client.get(f"/requests/{police.id}"))

    assert re.search(r"Automatic reply</a> on \d+ \w+ \d{4} from Sam Patel: Thank you", page)
    # Its first paragraph, on one line; not its signature.
    assert "until Monday 3 April 2017 with limited access to email." in page
    assert "Superintendent" not in page
    assert "Record as the reply" not in page
    response = client.post(f"/requests/{police.id}/arrived-by-email/{arrival.id}/record")
    assert response.status_code == 302  # refused, with the reason
    assert db.session.scalar(select(func.count(Response.id))) == 0


# The consultation page and its list


def test_the_consultation_page_counts_what_arrived(client, sign_in, issued):
    sign_in("officer")
    _, consultation, by_name = issued
    arrive(outlook_reply(ours=ours(by_name["Wales High School"])))
    arrive(fixture("exchange_out_of_office.eml", ours=ours(by_name["Cumbria Constabulary"])))
    arrive(fixture("exchange_ndr.eml", ours=ours(by_name["Old School"])))
    stranger()

    page = page_of(client.get(f"/consultations/{consultation.id}"))

    assert (
        f'<a class="govuk-link" href="/consultations/{consultation.id}/arrived-by-email">'
        "3 emails arrived</a>, 1 not yet recorded, 1 bounced" in page
    )
    assert '<a class="govuk-link" href="/arrived-by-email">1 email matched no request</a>' in page


def test_the_arrived_list_says_who_wrote_when_and_how_it_was_matched(
    client, sign_in, issued, count_queries
):
    sign_in("officer")
    _, consultation, by_name = issued
    wales = by_name["Wales High School"]
    url = f"/consultations/{consultation.id}/arrived-by-email"
    arrive(with_letter(outlook_reply(ours=ours(wales))))
    arrive(outlook_reply(sender="Sam Patel <sam.patel@police.example>"))
    client.get(url)  # the session's user and the templates, once
    with count_queries() as few:
        client.get(url)
    arrive(outlook_reply(sender="Jo Bloggs <business.manager@wales.example>"))
    arrive(fixture("exchange_ndr.eml", ours=ours(by_name["Old School"])))
    with count_queries() as more:
        page = page_of(client.get(url))

    assert more.count == few.count
    assert "Pat Lee (Wales High School) replied on" in page
    assert "Matched in reply to your invitation" in page
    assert "Matched from a contact's address" in page
    assert "Matched from the organisation's email domain" in page
    assert "Bounced on" in page and "head@oldschool.example: 550 5.1.10" in page
    assert "Letter attached: Response.pdf." in page
    assert f'href="/requests/{wales.id}"' in page
    assert "Download the original email" in page
    assert "4 emails" in page


def test_scrutiny_reads_the_list_and_the_request_but_changes_nothing(client, sign_in, issued):
    sign_in("scrutiny")
    _, consultation, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(with_letter(outlook_reply(ours=ours(wales))))
    lost = stranger()
    prefix = f"email-{arrival.id}-"

    listed = page_of(client.get(f"/consultations/{consultation.id}/arrived-by-email"))
    request_page = page_of(client.get(f"/requests/{wales.id}"))
    shown = page_of(client.get(f"/arrived-by-email/{arrival.id}"))

    assert "Pat Lee (Wales High School) replied on" in listed
    assert "Download the original email" not in listed + request_page + shown
    assert "early help hubs must stay open" in request_page
    assert "Record as the reply" not in request_page
    assert "matched no request</a>" not in listed
    refused = [
        client.post(
            f"/requests/{wales.id}/arrived-by-email/{arrival.id}/record",
            data={f"{prefix}stance": "supports", f"{prefix}publication": "publish"},
        ),
        client.get("/arrived-by-email"),
        client.get(f"/arrived-by-email/{lost.id}"),
        client.post(f"/arrived-by-email/{lost.id}/assign", data={"request_id": wales.id}),
        client.get(f"/arrived-by-email/{lost.id}/set-aside"),
        client.post(f"/arrived-by-email/{lost.id}/set-aside"),
        client.get(f"/arrived-by-email/{arrival.id}/original"),
        client.get(f"/arrived-by-email/{arrival.id}/letters/1"),
    ]
    assert [response.status_code for response in refused] == [403] * len(refused)
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert fresh(Arrival, lost.id).request_id is None


def test_anyone_not_signed_in_is_sent_to_sign_in(client, issued):
    _, consultation, by_name = issued
    arrival = arrive(outlook_reply(ours=ours(by_name["Wales High School"])))
    for url in (
        f"/consultations/{consultation.id}/arrived-by-email",
        "/arrived-by-email",
        f"/arrived-by-email/{arrival.id}",
        f"/arrived-by-email/{arrival.id}/original",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    response = client.post(f"/arrived-by-email/{arrival.id}/set-aside")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert fresh(Arrival, arrival.id).dismissed_at is None


def test_officers_download_the_original_and_the_letter(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    arrival = arrive(with_letter(outlook_reply(ours=ours(by_name["Wales High School"]))))

    original = client.get(f"/arrived-by-email/{arrival.id}/original")
    letter = client.get(f"/arrived-by-email/{arrival.id}/letters/1")

    assert original.status_code == 200
    assert original.headers["Content-Disposition"].startswith("attachment")
    assert b"early help hubs must stay open" in original.data
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    assert client.get(f"/arrived-by-email/{arrival.id}/letters/2").status_code == 404
    assert client.get(f"/arrived-by-email/{arrival.id}/letters/0").status_code == 404


# Emails that matched no request


def test_an_unmatched_email_is_listed_and_filed_under_a_request(
    client, sign_in, issued, count_queries
):
    officer = sign_in("officer", name="Jo Bennett")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    lost = stranger()
    client.get("/arrived-by-email")
    with count_queries() as few:
        listed = page_of(client.get("/arrived-by-email"))
    stranger(2)
    stranger(3)
    with count_queries() as more:
        client.get("/arrived-by-email")

    assert more.count == few.count
    assert "A Governor wrote on" in listed and "Matched no request" in listed
    assert f'href="/arrived-by-email/{lost.id}"' in listed
    shown = page_of(client.get(f"/arrived-by-email/{lost.id}"))
    assert "File it under a request" in shown
    assert f'<option value="{wales.id}">Wales High School (CYPS-2017)</option>' in shown

    response = client.post(f"/arrived-by-email/{lost.id}/assign", data={"request_id": wales.id})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{wales.id}")
    page = page_of(client.get(response.headers["Location"]))
    assert "is filed under Wales High School" in page
    assert "Arrived by email, not yet recorded" in page
    assert "Filed by Jo Bennett" in page
    filed = fresh(Arrival, lost.id)
    assert (filed.request_id, filed.matched_by, filed.matched_by_user_id) == (
        wales.id,
        "officer",
        officer.id,
    )
    assert f'href="/arrived-by-email/{lost.id}"' not in page_of(client.get("/arrived-by-email"))


def test_the_assign_choices_come_in_one_query_however_many_requests(
    client, sign_in, issued, count_queries
):
    officer = sign_in("officer")
    url = f"/arrived-by-email/{stranger().id}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    schools = [factories.create_organisation(f"School {n}") for n in range(5)]
    more_requests = factories.create_ready_consultation(officer, schools, reference="CYPS-2")
    issuing.issue(more_requests, by=officer)
    db.session.commit()
    with count_queries() as more:
        page = page_of(client.get(url))

    assert more.count == few.count
    assert "School 4 (CYPS-2)" in page


@pytest.mark.parametrize("chosen", [None, "", "0", "abc", "99999999", "99999999999999999999"])
def test_a_bad_choice_of_request_is_a_400_and_files_nothing(client, sign_in, issued, chosen):
    sign_in("officer")
    lost = stranger()

    data = {} if chosen is None else {"request_id": chosen}
    response = client.post(f"/arrived-by-email/{lost.id}/assign", data=data)

    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert fresh(Arrival, lost.id).request_id is None


def test_an_email_is_set_aside_after_a_confirmation_and_put_back_by_filing_it(
    client, sign_in, issued
):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    lost = stranger()

    confirm = page_of(client.get(f"/arrived-by-email/{lost.id}/set-aside"))
    assert "Set aside the email from A Governor?" in confirm
    assert fresh(Arrival, lost.id).dismissed_at is None

    response = client.post(f"/arrived-by-email/{lost.id}/set-aside")

    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/arrived-by-email"
    )
    listed = page_of(client.get(response.headers["Location"]))
    assert "is set aside" in listed
    assert f'href="/arrived-by-email/{lost.id}"' not in listed
    assert "Emails set aside (1)" in listed
    assert f'href="/arrived-by-email/{lost.id}"' in page_of(
        client.get("/arrived-by-email?set_aside=1")
    )
    shown = page_of(client.get(f"/arrived-by-email/{lost.id}"))
    assert "Or file it under a request" in shown

    client.post(f"/arrived-by-email/{lost.id}/assign", data={"request_id": wales.id})

    back = fresh(Arrival, lost.id)
    assert back.dismissed_at is None and back.request_id == wales.id


def test_a_filed_reply_set_aside_leaves_its_request_page(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(outlook_reply(ours=ours(wales)))

    response = client.post(f"/arrived-by-email/{arrival.id}/set-aside")

    assert response.headers["Location"].endswith(f"/requests/{wales.id}")
    page = page_of(client.get(response.headers["Location"]))
    assert "Arrived by email, not yet recorded" not in page
    again = client.post(f"/arrived-by-email/{arrival.id}/set-aside")
    assert again.status_code == 302  # already set aside: said, nothing changed


def test_an_email_set_aside_by_mistake_is_put_back_as_it_was(client, sign_in, issued):
    sign_in("officer")
    _, _, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(outlook_reply(ours=ours(wales)))
    client.post(f"/arrived-by-email/{arrival.id}/set-aside")
    assert "Set aside by mistake?" in page_of(client.get(f"/arrived-by-email/{arrival.id}"))

    response = client.post(f"/arrived-by-email/{arrival.id}/put-back")

    assert response.headers["Location"].endswith(f"/requests/{wales.id}")
    back = fresh(Arrival, arrival.id)
    assert (back.dismissed_at, back.request_id, back.matched_by) == (None, wales.id, "thread")
    page = page_of(client.get(response.headers["Location"]))
    assert "is put back" in page and "Arrived by email, not yet recorded" in page
    assert "email put back" in [event.action for event in db.session.scalars(select(AuditEvent))]
    again = client.post(f"/arrived-by-email/{arrival.id}/put-back")
    assert again.status_code == 302 and fresh(Arrival, arrival.id).dismissed_at is None


# The correspondence log and the digest


def test_the_correspondence_log_threads_received_emails_beside_sent_ones(client, sign_in, issued):
    sign_in("scrutiny")
    _, consultation, by_name = issued
    wales = by_name["Wales High School"]
    arrival = arrive(outlook_reply(ours=ours(wales)))

    page = page_of(client.get(f"/consultations/{consultation.id}/correspondence"))

    assert "3 messages sent</strong>, <strong>1 received" in page
    wales_thread = page.split(f'href="/requests/{wales.id}">Wales High School</a>')[1]
    wales_thread = wales_thread.split("</table>")[0]
    sent, received = wales_thread.index(">Sent<"), wales_thread.index(">Received<")
    assert sent < received  # in time order: the invitation, then the reply
    assert f'href="/arrived-by-email/{arrival.id}"' in wales_thread
    assert "Reply from Pat Lee" in wales_thread
    police_thread = page.split(">Cumbria Constabulary</a>")[1].split("</table>")[0]
    assert ">Received<" not in police_thread


def test_the_digest_lists_bounces_since_the_last_with_their_organisation(issued):
    _, _, by_name = issued
    arrive(fixture("exchange_ndr.eml", ours=ours(by_name["Old School"])))

    assert digest.send_digests(now=london_datetime(2017, 3, 28, 9)) == 1
    db.session.commit()
    [message] = db.session.scalars(select(Message).where(Message.kind == "digest"))
    old = by_name["Old School"]
    assert (
        "- Bounced: Old School, head@oldschool.example: 550 5.1.10"
        " RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup."
        f" Find another contact: https://consult.council.example/requests/{old.id}"
    ) in message.body_text
    assert "could not be delivered" not in message.body_text  # listed once, as a bounce
