"""The mail servers the inbound mail tests use are real: Dovecot keeps mail over IMAP,
and Postfix bounces mail for an unknown partner with a real non-delivery report."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

from imapclient import IMAPClient


def a_letter(sender, recipient, subject="Consultation on the local plan"):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="council.example")
    message.set_content("Please reply by 31 March.")
    return message


def test_the_mailbox_is_read_over_imap_with_a_password(mailbox):
    uid = mailbox.append(a_letter("ann@partners.example", mailbox.user).as_bytes())

    with IMAPClient(mailbox.host, mailbox.port, ssl=False, timeout=10) as client:
        client.login(mailbox.user, mailbox.password)
        client.select_folder("INBOX")
        fetched = client.fetch([uid], ["RFC822", "FLAGS"])[uid]
        client.add_flags([uid], [b"\\Seen"])

    message = message_from_bytes(fetched[b"RFC822"], policy=policy.default)
    assert message["Subject"] == "Consultation on the local plan"
    assert mailbox.uids() == [uid]
    assert "\\Seen" in mailbox.flags(uid)


def test_a_fresh_mailbox_has_an_empty_inbox_and_no_other_folders(mailbox):
    mailbox.append(a_letter("ann@partners.example", mailbox.user).as_bytes(), folder="Filed")
    mailbox.append(a_letter("ann@partners.example", mailbox.user).as_bytes())

    mailbox.clear()

    assert mailbox.uids() == []
    with mailbox.client() as client:
        assert [name for _, _, name in client.list_folders()] == ["INBOX"]


def test_mail_outlives_a_stop_and_start_on_the_same_port(mailbox):
    port = mailbox.port
    uid = mailbox.append(a_letter("ann@partners.example", mailbox.user).as_bytes())

    mailbox.stop()
    mailbox.start()

    assert mailbox.port == port
    assert mailbox.uids() == [uid]


def test_mail_to_an_unknown_partner_bounces_with_a_delivery_status_report(mailbox, postfix):
    from tests.mail_servers import UNKNOWN_PARTNERS_DOMAIN, send

    address = f"bob@{UNKNOWN_PARTNERS_DOMAIN}"
    letter = a_letter(mailbox.user, address)

    refused = send(postfix.host, postfix.port, letter.as_bytes(), mailbox.user, [address])

    assert refused == {}  # accepted now, bounced later, as a real server does
    [uid] = postfix.wait_for_mail(count=1, timeout=30)
    report = message_from_bytes(mailbox.fetch(uid), policy=policy.default)
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    [status] = [
        part for part in report.walk() if part.get_content_type() == "message/delivery-status"
    ]
    per_message, per_recipient = status.get_payload()
    assert per_message["Reporting-MTA"] == "dns; mail.council.example"
    assert per_recipient["Final-Recipient"] == f"rfc822; {address}"
    assert per_recipient["Action"] == "failed"
    assert per_recipient["Status"].startswith("5.")
    assert "550 5.1.1" in per_recipient["Diagnostic-Code"]
    [returned] = [part for part in report.walk() if part.get_content_type() == "message/rfc822"]
    assert returned.get_payload(0)["Message-ID"] == letter["Message-ID"]


def test_a_partners_reply_through_postfix_arrives_with_its_in_reply_to(mailbox, postfix):
    from tests.mail_servers import send

    letter = a_letter(mailbox.user, "ann@partners.example")
    reply = a_letter("ann@partners.example", mailbox.user, subject="Re: the local plan")
    reply["In-Reply-To"] = letter["Message-ID"]

    assert (
        send(postfix.host, postfix.port, letter.as_bytes(), mailbox.user, ["ann@partners.example"])
        == {}
    )
    send(postfix.host, postfix.port, reply.as_bytes(), "ann@partners.example", [mailbox.user])

    [uid] = postfix.wait_for_mail(count=1, timeout=30)  # the letter to Ann is dropped
    arrived = message_from_bytes(mailbox.fetch(uid), policy=policy.default)
    assert arrived["In-Reply-To"] == letter["Message-ID"]
    assert arrived["Received"]  # it came the way mail comes, not appended
