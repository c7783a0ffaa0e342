"""Two-factor sign-in: enrolment, codes used once, recovery codes, required by role."""

import re
import time
from datetime import timedelta

import pyotp
from sqlalchemy import select

from consult.auth import two_factor
from consult.auth.models import RecoveryCode, SignIn, User
from consult.extensions import db
from consult.sealing import unseal
from tests import factories


def secret_of(user_id):
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return unseal(user.totp_secret_sealed, two_factor.LABEL)


def code_for(secret, offset_steps=0):
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset_steps * totp.interval)


def enrol(client, user):
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "QR code" in html
    secret = secret_of(user.id)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    done = client.post("/account/two-factor", data={"code": code_for(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password(client, user):
    return client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})


def test_an_officer_sets_up_an_authenticator_and_signs_in_with_it(app, client, sign_in):
    officer = sign_in("officer")
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    secret, codes = enrol(client, officer)
    db.session.expire_all()
    assert db.session.get(User, officer.id).has_two_factor
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    client.post("/sign-out")

    half = password(client, officer)
    assert half.status_code == 302 and half.headers["Location"].endswith("/sign-in/code")
    blocked = client.get("/consultations")
    assert blocked.status_code == 302 and "/sign-in" in blocked.headers["Location"]
    assert db.session.scalar(select(SignIn).order_by(SignIn.id.desc())).awaiting == "code"

    bad = client.post("/sign-in/code", data={"code": "123456"})
    assert bad.status_code == 400 and "The code is not right" in bad.get_data(as_text=True)
    # One code, reused below: worked out again later, it could fall in the next step.
    code = code_for(secret, 1)
    good = client.post("/sign-in/code", data={"code": code})
    assert good.status_code == 302
    assert client.get("/consultations").status_code == 200
    client.post("/sign-out")

    # the same code, within its window, does not work twice
    password(client, officer)
    replay = client.post("/sign-in/code", data={"code": code})
    assert replay.status_code == 400


def test_a_recovery_code_works_once(app, client, sign_in):
    officer = sign_in("officer")
    _secret, codes = enrol(client, officer)
    client.post("/sign-out")

    password(client, officer)
    assert client.post("/sign-in/code", data={"code": codes[0].upper()}).status_code == 302
    client.post("/sign-out")
    password(client, officer)
    assert client.post("/sign-in/code", data={"code": codes[0]}).status_code == 400
    assert client.post("/sign-in/code", data={"code": codes[1]}).status_code == 302


def test_codes_are_rate_limited(app, client, sign_in):
    officer = sign_in("officer")
    enrol(client, officer)
    client.post("/sign-out")
    password(client, officer)
    statuses = [client.post("/sign-in/code", data={"code": "000000"}).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]


def test_a_half_finished_sign_in_expires(app, client, sign_in):
    officer = sign_in("officer")
    enrol(client, officer)
    client.post("/sign-out")
    password(client, officer)
    pending = db.session.scalar(select(SignIn).order_by(SignIn.id.desc()))
    pending.started_at -= timedelta(minutes=11)
    db.session.commit()
    response = client.get("/sign-in/code")
    assert "Sign in again" in response.get_data(as_text=True)
    assert client.post("/sign-in/code", data={"code": "000000"}).status_code == 200
    assert client.get("/consultations").status_code == 302


def test_a_required_role_sets_up_two_factor_at_sign_in(app, client, sign_in):
    sign_in("admin")
    response = client.post("/admin/two-factor", data={"roles": ["officer"]})
    assert response.status_code == 302
    assert two_factor.required_roles() == ["officer"]
    client.post("/sign-out")

    officer = factories.create_user("officer", email="new.officer@council.example")
    db.session.commit()
    half = password(client, officer)
    assert half.headers["Location"].endswith("/sign-in/two-factor")
    assert client.get("/consultations").status_code == 302  # not signed in yet
    page = client.get("/sign-in/two-factor")
    assert "Your council asks people in your role" in page.get_data(as_text=True)
    secret = secret_of(officer.id)
    done = client.post("/sign-in/two-factor", data={"code": code_for(secret)})
    assert done.status_code == 200 and "Your recovery codes" in done.get_data(as_text=True)
    assert client.get("/consultations").status_code == 200

    scrutiny = factories.create_user("scrutiny", email="chair@council.example")
    db.session.commit()
    other = app.test_client()
    assert password(other, scrutiny).headers["Location"].endswith("/consultations")


def test_an_admin_removes_a_lost_authenticator(app, client, sign_in):
    officer = sign_in("officer")
    enrol(client, officer)
    client.post("/sign-out")
    sign_in("admin")
    assert client.post(f"/admin/users/{officer.id}/two-factor-reset").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, officer.id).has_two_factor
    assert db.session.scalar(select(RecoveryCode)) is None
