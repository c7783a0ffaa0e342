"""The development mailbox: what the worker "sent", readable in the browser."""

import re

from consult import create_app
from consult.correspondence import services
from consult.extensions import db
from tests.conftest import make_config
from worker.tasks.correspondence import deliver_messages


def send(number, text="Please respond: https://consult.council.example/r/abc\n\nThank you."):
    message = services.store_message(
        purpose=f"test:{number}",
        kind="invitation",
        to_name="Head Teacher",
        to_address=f"head{number}@school.example",
        subject=f"Letter from the Chief Executive {number}",
        text=text,
    )
    db.session.commit()
    deliver_messages([message.id])
    return message


def first_email_name(page):
    return re.search(r'href="/mailbox/([^"]+\.eml)"', page).group(1)


def test_the_mailbox_lists_what_was_sent_newest_first_and_shows_each_one(client, sign_in):
    sign_in("officer")
    send(1)
    send(2)

    page = client.get("/mailbox/").get_data(as_text=True)

    assert page.index("Chief Executive 2") < page.index("Chief Executive 1")
    name = first_email_name(page)
    email = client.get(f"/mailbox/{name}").get_data(as_text=True)
    assert "head2@school.example" in email
    assert '<a href="https://consult.council.example/r/abc"' in email


def test_the_mailbox_escapes_what_it_shows(client, sign_in):
    sign_in("officer")
    send(3, text="<script>alert(1)</script>")
    name = first_email_name(client.get("/mailbox/").get_data(as_text=True))

    page = client.get(f"/mailbox/{name}").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_mailbox_reads_only_its_own_files(client, sign_in):
    sign_in("officer")

    assert client.get("/mailbox/..%2F..%2Fconfig.py").status_code == 404
    assert client.get("/mailbox/nothing.eml").status_code == 404


def test_there_is_no_mailbox_when_mail_is_really_sent(database_url, tmp_path):
    smtp_app = create_app(make_config(database_url, tmp_path, MAIL_BACKEND="smtp"))

    assert "mailbox.index" not in smtp_app.view_functions
