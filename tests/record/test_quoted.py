"""An emailed reply split into the partner's words and the thread they quoted, on emails
shaped as Outlook, Gmail and older mail programs write them (tests/record/emails/)."""

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consult.record.quoted import split_at_line, split_reply
from consult.record.saved_emails import read_email_file

EMAILS = Path(__file__).parent / "emails"
# The partner's own link, in the council's invitation that every fixture quotes.
TOKEN = "Zk3q9X2vB7mN4pL8sT1wY6cR0dF5gH2jK9aE3uI7oQx"
INVITATION = "The council is consulting its partners"

# file: (the partner's last line, the first quoted line)
FIXTURES = {
    "outlook_reply.eml": (
        "Headteacher, Wales High School",
        "From: Chief Executive <chief.executive@council.example>",
    ),
    "gmail_reply.eml": (
        "Business Manager, Wingfield Academy",
        "On Thu, 23 Mar 2017 at 09:00, Chief Executive <",
    ),
    "original_message_reply.eml": (
        "Head of Public Protection, Northshire Police",
        "-----Original Message-----",
    ),
    "welsh_outlook_reply.eml": (
        "Pennaeth, Ysgol Gymraeg y Dyffryn",
        "Oddi wrth: Chief Executive <chief.executive@council.example>",
    ),
}


def saved(name):
    return (EMAILS / name).read_bytes()


def bodies(name):
    """(text body, HTML body or None) of a fixture."""
    message = email.message_from_bytes(saved(name), policy=email.policy.default)
    html = message.get_body(preferencelist=("html",))
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        html.get_content() if html is not None else None,
    )


def msg_bytes(name="outlook_reply.eml", *, html=True, sender="head@wales.example"):
    """The fixture as Outlook saves it (File, Save As: .msg), written by aspose-email-foss."""
    from aspose.email_foss import msg

    text, html_body = bodies(name)
    message = msg.MapiMessage.create("RE: Children's services: your view", text)
    if html and html_body:
        message.body_html = html_body
    message.set_property(msg.PropertyId.SENDER_NAME, "Pat Lee")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, sender)
    message.set_property(
        msg.PropertyId.MESSAGE_DELIVERY_TIME, datetime(2017, 4, 3, 15, 42, tzinfo=UTC)
    )
    message.add_recipient("chief.executive@council.example", display_name="Chief Executive")
    return message.to_bytes()


def assert_only_the_partners_words(split, last_line, first_quoted):
    assert split.words.splitlines()[-1] == last_line
    assert split.lines[split.split_at] == first_quoted
    assert split.quoted.startswith(first_quoted)
    assert split.words == "\n".join(split.lines[: split.split_at]).strip()
    for leaked in (TOKEN, "/r/", INVITATION, "chief.executive@council.example"):
        assert leaked not in split.words
    assert TOKEN in split.quoted and INVITATION in split.quoted


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_saved_email_is_split_above_the_quoted_invitation(name):
    received = read_email_file(saved(name))

    split = split_reply(received.text, received.html)

    assert_only_the_partners_words(split, *FIXTURES[name])


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_an_outlook_msg_file_is_split_as_its_eml_is(name):
    received = read_email_file(msg_bytes(name))

    split = split_reply(received.text, received.html)

    assert bool(received.html) == (bodies(name)[1] is not None)  # the .msg keeps its HTML
    assert_only_the_partners_words(split, *FIXTURES[name])


@pytest.mark.parametrize(
    "name", ["outlook_reply.eml", "gmail_reply.eml", "original_message_reply.eml"]
)
def test_the_text_body_alone_is_enough_for_english_mail_programs(name):
    text, _html = bodies(name)

    assert_only_the_partners_words(split_reply(text), *FIXTURES[name])


def test_the_html_body_marks_the_thread_where_the_text_cannot():
    """Welsh Outlook heads the quoted email "Oddi wrth: / Anfonwyd: / At: / Pwnc:", which
    quotequail does not read as headers; the HTML's ruled block marks it all the same."""
    text, html = bodies("welsh_outlook_reply.eml")

    assert split_reply(text).split_at is None
    assert_only_the_partners_words(split_reply(text, html), *FIXTURES["welsh_outlook_reply.eml"])


@pytest.mark.parametrize(
    "name", ["outlook_reply.eml", "welsh_outlook_reply.eml", "gmail_reply.eml"]
)
def test_an_email_with_only_an_html_body_is_split(name):
    _text, html = bodies(name)
    message = email.message.EmailMessage()
    message["From"] = "Pat Lee <head@wales.example>"
    message["Date"] = "Mon, 3 Apr 2017 16:42:10 +0100"
    message.set_content(html, subtype="html")
    received = read_email_file(message.as_bytes())

    split = split_reply(received.text, received.html)

    assert_only_the_partners_words(split, FIXTURES[name][0], split.lines[split.split_at])
    assert split.quoted.startswith(FIXTURES[name][1].removesuffix(" <"))


def test_an_email_that_quotes_nothing_is_all_the_partners_words():
    split = split_reply("Dear Chief Executive,\n\nWe support the preferred option.\n\nPat Lee")

    assert split.split_at is None and split.quoted == ""
    assert split.words == "Dear Chief Executive,\n\nWe support the preferred option.\n\nPat Lee"
    assert split_reply("").lines == [] and split_reply("").words == ""


def test_lines_quoted_with_a_marker_are_the_thread():
    text = "We agree, see below.\n\n> Dear Head,\n> Please reply by 7 April.\n> Chief Executive"

    split = split_reply(text)

    assert split.split_at == 2 and split.words == "We agree, see below."


def test_an_html_body_that_is_another_message_does_not_move_the_split():
    text = "Dear Chief Executive,\nWe agree.\nPat"
    html = "<p>Dear Chief Executive,</p><blockquote><p>Something else</p></blockquote>"

    assert split_reply(text, html).split_at is None


def test_a_damaged_html_body_leaves_the_text_to_split_alone():
    text, _html = bodies("outlook_reply.eml")

    split = split_reply(text, "<<html \x00<p>>>>" + "<div>" * 5000)

    assert_only_the_partners_words(split, *FIXTURES["outlook_reply.eml"])


def test_the_officer_moves_the_split():
    text, _html = bodies("outlook_reply.eml")

    earlier = split_at_line(text, 3)
    whole = split_at_line(text, len(earlier.lines))
    nothing = split_at_line(text, 0)

    assert earlier.split_at == 3 and earlier.words == "\n".join(text.splitlines()[:3]).strip()
    assert earlier.quoted.startswith("Kind regards,")
    assert whole.split_at is None and whole.quoted == "" and TOKEN in whole.words
    assert nothing.words == "" and nothing.quoted.startswith("Dear Chief Executive,")
    for beyond in (-1, len(earlier.lines) + 1):
        with pytest.raises(ValueError, match="lines 1 to"):
            split_at_line(text, beyond)
