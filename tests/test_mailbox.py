"""The development mailbox shows every stored email to signed-in users."""

from consult import create_app
from consult.correspondence.models import Message
from consult.extensions import db
from tests.conftest import make_config


def store_message(number, **fields):
    message = Message(
        purpose=f"test:{number}",
        kind="invitation",
        to_name="Head Teacher",
        to_address=f"head{number}@school.example",
        subject=f"Letter from the Chief Executive {number}",
        body_text="Please respond: https://consult.council.example/r/abc\n\nThank you.",
        **fields,
    )
    db.session.add(message)
    return message


def test_the_mailbox_lists_messages_newest_first_and_shows_each_one(client, sign_in):
    sign_in("officer")
    first = store_message(1)
    db.session.commit()
    store_message(2)
    db.session.commit()

    page = client.get("/mailbox/").get_data(as_text=True)

    assert page.index("Chief Executive 2") < page.index("Chief Executive 1")
    message = client.get(f"/mailbox/{first.id}").get_data(as_text=True)
    assert "head1@school.example" in message
    assert '<a href="https://consult.council.example/r/abc"' in message


def test_the_mailbox_escapes_what_it_shows(client, sign_in):
    sign_in("scrutiny")
    message = store_message(3)
    message.body_text = "<script>alert(1)</script>"
    db.session.commit()

    page = client.get(f"/mailbox/{message.id}").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_mailbox_runs_the_same_few_queries_however_many_messages(
    client, sign_in, count_queries
):
    sign_in("officer")
    counts = []
    for total in (1, 40):
        while db.session.query(Message).count() < total:
            store_message(db.session.query(Message).count())
            db.session.commit()
        with count_queries() as queries:
            assert client.get("/mailbox/").status_code == 200
        counts.append(queries.count)

    assert counts[0] == counts[1] > 0
    assert counts[1] <= 4  # the signed-in session, the page of messages, their count


def test_there_is_no_mailbox_when_mail_is_really_sent(database_url, tmp_path):
    smtp_app = create_app(make_config(database_url, tmp_path, MAIL_BACKEND="smtp"))

    assert "mailbox.index" not in smtp_app.view_functions
