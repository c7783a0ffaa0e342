"""What an arrived email is, read without the database: replies, bounces in the formats
servers send, and automatic replies."""

from dataclasses import asdict
from email import policy
from pathlib import Path

from consult.inbox.reading import read_email
from consult.record import saved_emails
from tests.inbox.emails import fixture, outlook_reply

OURS = "<consult.12.5f1d3a9c0b1e2d3f4a5b@council.example>"


def test_an_outlook_reply_gives_the_partners_words_and_the_message_it_answers():
    email = read_email(outlook_reply(ours=OURS))
    assert email.kind == "reply"
    assert email.sender_address == "head@wales.example"
    assert email.sender_name == "Pat Lee"
    assert email.ours == [(12, "5f1d3a9c0b1e2d3f4a5b")]
    assert email.words.startswith("Dear Chief Executive,")
    assert "early help hubs must stay open" in email.words
    assert "/r/" not in email.words and "Sent: 23 March" not in email.words


def test_a_reply_to_no_message_of_ours_names_none():
    assert read_email(outlook_reply()).ours == []


def test_an_exchange_non_delivery_report_is_a_bounce_with_the_servers_reason():
    email = read_email(fixture("exchange_ndr.eml", ours=OURS))
    assert email.kind == "bounce"
    [failure] = email.failures
    assert failure.address == "head@oldschool.example"
    assert failure.permanent
    assert failure.status == "5.1.10"
    assert failure.reason.startswith("550 5.1.10 RESOLVER.ADR.RecipientNotFound")
    assert email.ours == [(12, "5f1d3a9c0b1e2d3f4a5b")]  # from the returned headers


def test_a_qmail_bounce_without_a_delivery_status_is_read_by_flufl_bounce():
    email = read_email(fixture("qmail_bounce.eml"))
    assert email.kind == "bounce"
    [failure] = email.failures
    assert failure.address == "clerk@gone.partners.example"
    assert failure.permanent
    assert failure.status == "5.1.1"


def test_an_out_of_office_is_an_automatic_reply_not_a_reply():
    email = read_email(fixture("exchange_out_of_office.eml", ours=OURS))
    assert email.kind == "auto_reply"
    assert email.ours == [(12, "5f1d3a9c0b1e2d3f4a5b")]
    assert "out of the office until Monday 3 April 2017" in email.words


def test_a_reply_whose_author_writes_auto_submitted_no_is_still_a_reply():
    raw = outlook_reply(ours=OURS).replace(b"MIME-Version", b"Auto-Submitted: no\nMIME-Version")
    assert read_email(raw).kind == "reply"


def test_an_email_with_broken_headers_is_read_as_far_as_it_goes():
    email = read_email(b"From: =?utf-8?q?broken\nSubject: =?x?q?y?=\n\nHello")
    assert email.kind == "reply"
    assert email.words == "Hello"


def test_each_header_parsed_once_reads_every_email_as_the_default_policy_does(monkeypatch):
    """saved_emails.reading_policy keeps one email's parsed headers; the email package's
    default policy, which parses them on every read, must read the same from each."""
    folders = [Path(__file__).parent / "emails", Path(__file__).parents[1] / "record" / "emails"]
    raws = [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.eml"))]
    assert len(raws) >= 7
    kept = [asdict(read_email(raw)) for raw in raws]
    monkeypatch.setattr(saved_emails, "reading_policy", lambda: policy.default)
    assert [asdict(read_email(raw)) for raw in raws] == kept
