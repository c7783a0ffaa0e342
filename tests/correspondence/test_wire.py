"""An email's bytes on the wire: written directly, they are the email package's own."""

from email import message_from_bytes, policy

import pytest

from consult.correspondence.wire import SMTP_WIRE, OutgoingMail

SENDER = ("Wingfield Borough Council", "consult@council.example")
LETTER = (
    "Dear Alex Morgan,\n\n"
    "The council asks for your organisation's view on the future of children's services.\n"
    "Option 1, a trust, is the council's preferred option.\n"
)

CASES = {
    "plain ASCII": {},
    "a subject beyond ASCII": {"subject": "Services d'enfants: réponse demandée"},
    "a long subject": {"subject": "Children's services consultation 2017: " + "views " * 20},
    "a long subject beyond ASCII": {"subject": "Réponse: " + "écoles et académies " * 8},
    "a name beyond ASCII": {"recipients": [("Siân Llewellyn-Jones", "sian@school.example")]},
    "a name with a comma and quotes": {"recipients": [('Head, "Acting"', "head@school.example")]},
    "a bare address": {"recipients": ["head@school.example"]},
    "an address at a domain beyond ASCII": {"recipients": [("Pennaeth", "pennaeth@école.example")]},
    "a subject over 998 octets": {"subject": "Ymgynghoriad: " + "📮" * 280},
    "a sender given as a string": {"sender": "Council <consult@council.example>"},
    "no reply-to": {"reply_to": None},
    "text only": {"html": None},
    "text only beyond ASCII": {"html": None, "body": "Diolch yn fawr — thank you.\n"},
    "bodies beyond ASCII": {"body": "Café ☕ and naïve résumé\n", "html": "<p>Café ☕</p>"},
    "Windows and old Mac line ends": {"body": "one\r\ntwo\rthree\nfour", "html": "<p>a</p>\r\n"},
    "no final line end": {"body": "Yours sincerely", "html": "<p>Yours</p>"},
    "empty bodies": {"body": "", "html": None},
    "a line starting From": {"body": "From the chief executive\n.\n..\n"},
    "a long line (quoted-printable)": {"body": "word " * 400, "html": "<p>" + "é " * 600},
    "a long line that fits in characters, not octets": {"body": "☕" * 400},
}


def mail(**fields):
    values = {
        "subject": "Children's services: your organisation's view is requested",
        "sender": SENDER,
        "recipients": [("Alex Morgan", "head@wingfield-academy.example")],
        "body": LETTER,
        "html": "<p>Dear Alex Morgan,</p>\n<p>The council asks for your view.</p>\n",
        "reply_to": "chief.executive@council.example",
        "date": 1_500_000_000,
        **fields,
    }
    return OutgoingMail(**values, message_id="<consult.1.abc@council.example>")


@pytest.mark.parametrize("fields", CASES.values(), ids=CASES.keys())
def test_the_bytes_written_directly_are_the_email_packages_own(fields):
    message = mail(**fields)

    assert message.as_bytes() == message._message().as_bytes(policy=SMTP_WIRE)


@pytest.mark.parametrize("fields", CASES.values(), ids=CASES.keys())
def test_what_is_written_reads_back_as_it_was_meant(fields):
    message = mail(**fields)
    wire = message.as_bytes()

    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    assert b"\n" not in wire.replace(b"\r\n", b"")
    received = message_from_bytes(wire, policy=policy.default)
    assert received["Subject"] == message.subject
    assert received["Message-ID"] == message.message_id
    for subtype, words in (("plain", message.body), ("html", message.html)):
        if words is not None:
            arrived = received.get_body((subtype,)).get_content()
            assert unix(arrived).rstrip("\n") == unix(words).rstrip("\n")


def unix(words):
    return words.replace("\r\n", "\n").replace("\r", "\n")


def test_a_domain_beyond_ascii_is_written_in_idna():
    wire = mail(recipients=[("Pennaeth", "pennaeth@école.example")]).as_bytes()

    assert b"To: Pennaeth <pennaeth@xn--cole-9oa.example>\r\n" in wire


def test_an_address_that_cannot_be_written_is_a_value_error():
    with pytest.raises(ValueError, match="beyond ASCII before the @"):
        mail(recipients=[("Siân", "siân@school.example")]).as_bytes()
    with pytest.raises(ValueError, match="line break"):
        mail(subject="Children's services\r\nBcc: someone@elsewhere.example").as_bytes()
