import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.auth.models import SignIn
from consult.auth.passwords import verify_password
from consult.extensions import db
from tests import factories

STRANGERS_ADDRESS, OWNERS_ADDRESS = "203.0.113.9", "198.51.100.20"


def sign_in(client, email, password=factories.PASSWORD, address="127.0.0.1"):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_officer_signs_in_with_email_and_password_and_lands_on_consultations(client):
    user = factories.create_user("officer", email="priya@council.example")
    db.session.commit()

    response = sign_in(client, "Priya@Council.example")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/consultations")
    page = client.get("/consultations").get_data(as_text=True)
    assert "Signed in as" in page and user.name in page
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.user_id == user.id)) == (
        "signed in"
    )


def test_passwords_are_stored_as_argon2_hashes(app):
    user = factories.create_user("officer")
    db.session.commit()

    assert user.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, factories.PASSWORD)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client):
    factories.create_user("officer", email="known@council.example")
    db.session.commit()

    wrong_password = sign_in(client, "known@council.example", "not the password at all")
    unknown_email = sign_in(client, "nobody@council.example", "not the password at all")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert "The email address or password is not right" in wrong_password.get_data(as_text=True)
    assert _page_without_variables(wrong_password, "known@council.example") == (
        _page_without_variables(unknown_email, "nobody@council.example")
    )


def _page_without_variables(response, email):
    """The page with the typed email and the per-response script nonce taken out."""
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page)


def test_an_empty_form_says_what_to_enter(client):
    response = client.post("/sign-in", data={})
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "Enter your email address" in page and "Enter your password" in page
    assert "There is a problem" in page


@pytest.mark.parametrize("known", [True, False], ids=["known email", "unknown email"])
def test_repeated_failures_lock_sign_in_for_that_email_whether_or_not_it_exists(client, known):
    email = "target@council.example"
    if known:
        factories.create_user("officer", email=email)
        db.session.commit()

    statuses = [sign_in(client, email, "wrong password!!").status_code for _ in range(5)]
    locked = sign_in(client, email, factories.PASSWORD)

    assert statuses == [400] * 5
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    # Another address from the same browser is not locked by this one.
    other = factories.create_user("officer", email="other@council.example")
    db.session.commit()
    assert sign_in(client, other.email).status_code == 302


def test_a_strangers_failures_elsewhere_do_not_lock_the_owner_out(client):
    officer = factories.create_user("officer", email="priya@council.example")
    db.session.commit()

    statuses = [
        sign_in(client, officer.email, "wrong password!!", STRANGERS_ADDRESS).status_code
        for _ in range(5)
    ]
    owner = sign_in(client, officer.email, address=OWNERS_ADDRESS)
    stranger = sign_in(client, officer.email, address=STRANGERS_ADDRESS)

    assert statuses == [400] * 5
    assert owner.status_code == 302
    assert stranger.status_code == 429
    page = stranger.get_data(as_text=True)
    assert "Too many attempts" in page and "Wait 15 minutes, then try again" in page


def test_the_wait_named_is_the_one_the_limit_sets(app, client):
    app.config["SIGN_IN_FAILURE_LIMIT"] = "2 per 1 hour"
    for _ in range(2):
        sign_in(client, "target@council.example", "wrong password!!")

    locked = sign_in(client, "target@council.example", "wrong password!!")

    assert locked.status_code == 429
    assert "Wait 60 minutes, then try again" in locked.get_data(as_text=True)


def test_failures_for_many_emails_from_one_address_are_limited(app, client):
    app.config["SIGN_IN_ADDRESS_LIMIT"] = "8 per 15 minutes"  # 30 by default: a slow test
    officer = factories.create_user("officer")
    db.session.commit()

    statuses = {
        sign_in(
            client, f"guess{n}@council.example", "wrong password!!", STRANGERS_ADDRESS
        ).status_code
        for n in range(8)
    }
    locked = sign_in(client, officer.email, address=STRANGERS_ADDRESS)

    assert statuses == {400}
    assert locked.status_code == 429
    assert "Wait 15 minutes, then try again" in locked.get_data(as_text=True)
    assert sign_in(client, officer.email, address=OWNERS_ADDRESS).status_code == 302


def test_a_disabled_user_cannot_sign_in(client):
    user = factories.create_user("officer")
    user.is_disabled = True
    db.session.commit()

    assert sign_in(client, user.email).status_code == 400


def test_signing_out_ends_the_session_on_the_server(client, sign_in):
    user = sign_in("officer")
    cookie = client.get_cookie("consult_session")

    response = client.post("/sign-out")

    assert response.status_code == 302
    sign_in_row = db.session.scalar(select(SignIn).where(SignIn.user_id == user.id))
    assert sign_in_row.ended_at is not None and sign_in_row.end_reason == "signed out"
    # The old cookie, replayed, no longer signs anyone in.
    client.set_cookie(cookie.key, cookie.value)
    assert client.get("/consultations").status_code == 302


def test_an_idle_session_times_out(client, sign_in, app):
    user = sign_in("scrutiny")
    row = db.session.scalar(select(SignIn).where(SignIn.user_id == user.id))
    row.last_seen_at = row.last_seen_at - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()

    response = client.get("/consultations")

    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "had not used Consult" in client.get("/sign-in").get_data(as_text=True)
    db.session.refresh(row)
    assert row.end_reason == "idle"


def test_a_session_ends_a_fixed_time_after_sign_in_however_busy(client, sign_in, app):
    user = sign_in("officer")
    row = db.session.scalar(select(SignIn).where(SignIn.user_id == user.id))
    row.started_at = row.started_at - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"] + 1)
    db.session.commit()

    assert client.get("/consultations").status_code == 302
    db.session.refresh(row)
    assert row.end_reason == "expired"


def test_disabling_a_user_ends_their_session_at_once(client, sign_in):
    user = sign_in("officer")
    user.is_disabled = True
    db.session.commit()

    assert client.get("/consultations").status_code == 302


def test_sign_in_never_redirects_to_another_site(client):
    user = factories.create_user("officer")
    db.session.commit()

    response = client.post(
        "/sign-in?next=https://evil.example/",
        data={"email": user.email, "password": factories.PASSWORD},
    )

    assert response.headers["Location"].endswith("/consultations")


def test_sign_in_returns_to_the_page_asked_for(client):
    user = factories.create_user("officer")
    db.session.commit()

    response = client.post(
        "/sign-in?next=/mailbox/", data={"email": user.email, "password": factories.PASSWORD}
    )

    assert response.headers["Location"] == "/mailbox/"
