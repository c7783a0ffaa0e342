"""User management: invitations, roles, disabling; every change audited; an admin kept."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.auth import accounts
from consult.auth.models import Invitation, User
from consult.auth.services import AccountError, authenticate
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.db import utcnow
from consult.extensions import db
from consult.sealing import unseal
from tests import factories

NEW_PASSWORD = "three random words here"


def invitation_token(user):
    message = db.session.scalar(
        select(Message).where(Message.user_id == user.id).order_by(Message.id.desc())
    )
    assert LINK_PLACEHOLDER in message.body_text  # the token is never stored in the clear
    return unseal(message.sealed_link)


def invite(client, **fields):
    return client.post(
        "/admin/users/invite",
        data={"name": "Sam Kent", "email": "Sam.Kent@council.example", "role": "officer", **fields},
    )


def test_an_admin_invites_a_user_who_chooses_a_password(app, client, sign_in):
    sign_in("admin")
    response = invite(client)
    assert response.status_code == 302

    user = db.session.scalar(select(User).where(User.email == "sam.kent@council.example"))
    assert user.is_invited and user.role == "officer"
    assert authenticate("sam.kent@council.example", "!invited") is None
    token = invitation_token(user)
    assert len(token) >= 43  # 256 bits
    stored = db.session.scalar(select(Invitation))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    client.post("/sign-out")

    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    mismatch = client.post(
        f"/invitations/{token}", data={"password": NEW_PASSWORD, "confirm": "something else"}
    )
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    short = client.post(f"/invitations/{token}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "12 characters" in short.get_data(as_text=True)

    chosen = client.post(
        f"/invitations/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    db.session.expire_all()
    assert authenticate("sam.kent@council.example", NEW_PASSWORD) is not None
    used = client.get(f"/invitations/{token}")
    assert used.status_code == 404
    assert "no longer works" in used.get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user invited", "invitation sent", "invitation accepted"} <= actions


def test_an_expired_or_replaced_invitation_no_longer_works(app, client):
    admin = factories.create_user("admin")
    user = accounts.invite_user(email="jo@council.example", name="Jo", role="scrutiny", by=admin)
    db.session.commit()
    first = invitation_token(user)
    accounts.send_invitation(user, by=admin)
    db.session.commit()
    second = invitation_token(user)

    assert client.get(f"/invitations/{first}").status_code == 404
    assert client.get(f"/invitations/{second}").status_code == 200
    invitation = db.session.scalar(select(Invitation).where(Invitation.used_at.is_(None)))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/invitations/{second}").status_code == 404
    assert client.get("/invitations/not-a-real-token").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not an email"}, "Enter a valid email address"),
        ({"name": ""}, "Enter the person"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"name": "Sam\r\nBcc: x@evil.example"}, "cannot contain line breaks"),
    ],
)
def test_a_bad_invitation_is_refused(app, client, sign_in, fields, message):
    sign_in("admin")
    response = invite(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Message)) is None


def test_an_admin_changes_a_role_and_the_last_admin_stays(app, client, sign_in):
    admin = sign_in("admin")
    officer = factories.create_user("officer", email="officer@council.example")
    db.session.commit()

    assert (
        client.post(f"/admin/users/{officer.id}/role", data={"role": "scrutiny"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(User, officer.id).role == "scrutiny"

    demoted = client.post(f"/admin/users/{admin.id}/role", data={"role": "officer"})
    assert demoted.status_code == 400
    assert "only admin who can sign in" in demoted.get_data(as_text=True)
    client.post(f"/admin/users/{admin.id}/disable")
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_disabled is False
    assert db.session.get(User, admin.id).role == "admin"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role changed"))
    assert event.details == {"target_user_id": officer.id, "was": "officer", "now": "scrutiny"}


def test_the_last_admin_cannot_be_removed_by_the_services_either(app):
    admin = factories.create_user("admin")
    with pytest.raises(AccountError, match="only admin"):
        accounts.set_disabled(admin, True, by=admin)
    with pytest.raises(AccountError, match="only admin"):
        accounts.change_role(admin, "officer", by=admin)
    second = factories.create_user("admin", email="second.admin@council.example")
    accounts.change_role(admin, "officer", by=second)
    assert admin.role == "officer"


def test_disabling_a_user_ends_their_sessions_at_once(app, client, sign_in):
    officer = sign_in("officer")
    assert client.get("/consultations").status_code == 200

    admin = factories.create_user("admin", email="admin2@council.example")
    db.session.commit()
    admin_client = app.test_client()
    admin_client.post("/sign-in", data={"email": admin.email, "password": factories.PASSWORD})
    assert admin_client.post(f"/admin/users/{officer.id}/disable").status_code == 302

    after = client.get("/consultations")
    assert after.status_code == 302 and "/sign-in" in after.headers["Location"]
    again = client.post("/sign-in", data={"email": officer.email, "password": factories.PASSWORD})
    assert again.status_code == 400

    admin_client.post(f"/admin/users/{officer.id}/enable")
    back = client.post("/sign-in", data={"email": officer.email, "password": factories.PASSWORD})
    assert back.status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user disabled" in actions and "user enabled" in actions


def test_the_users_page_lists_everyone(app, client, sign_in):
    sign_in("admin")
    factories.create_user("scrutiny", email="chair@council.example", name="Scrutiny Chair")
    db.session.commit()
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Scrutiny Chair" in page and "Invite a user" in page


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(app):
    import threading
    import time

    first = factories.create_user("admin", email="first.admin@council.example")
    second = factories.create_user("admin", email="second.admin@council.example")
    db.session.commit()
    first_id, second_id = first.id, second.id
    locked = threading.Event()

    def demote_second():
        with app.app_context():
            accounts.change_role(db.session.get(User, second_id), "officer", by=None)
            locked.set()
            time.sleep(1)  # hold the admins' rows while the other demotion starts
            db.session.commit()

    thread = threading.Thread(target=demote_second)
    thread.start()
    assert locked.wait(10)
    with pytest.raises(AccountError, match="only admin"):
        accounts.change_role(db.session.get(User, first_id), "officer", by=None)
    db.session.rollback()
    thread.join()
    db.session.expire_all()
    assert db.session.get(User, first_id).role == "admin"
    assert db.session.get(User, second_id).role == "officer"
