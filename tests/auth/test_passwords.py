"""Choosing a password: the commonest passwords and the person's own name and email are
refused (NCSC guidance: a deny-list, no rules about kinds of character)."""

import pytest
from sqlalchemy import select

from consult.auth import accounts
from consult.auth.models import User
from consult.auth.passwords import TOO_COMMON, TOO_PERSONAL, password_problem
from consult.auth.services import AccountError, create_user
from consult.demo.loader import DEMO_PASSWORD, DEMO_USERS
from consult.extensions import db
from tests import factories
from tests.auth.test_accounts import invitation_token

PRIYA = {"name": "Priya Shah", "email": "priya.shah@council.example"}


@pytest.mark.parametrize(
    "password",
    ["password123456", "Password123456", "qwertyuiop123", "p@ssw0rd2024!", "iloveyou2024!"],
)
def test_the_commonest_passwords_are_refused_even_with_numbers_added(password):
    assert password_problem(password, **PRIYA) == TOO_COMMON
    assert "one of the most common passwords" in TOO_COMMON


@pytest.mark.parametrize(
    "password",
    ["priyashah12345", "priya.shah@council.example", "Priya.Shah@Council.example", "shah2024priya"],
)
def test_the_persons_own_name_or_email_is_refused(password):
    assert password_problem(password, **PRIYA) == TOO_PERSONAL
    assert "too close to your name or email address" in TOO_PERSONAL


@pytest.mark.parametrize(
    "password",
    [
        "Rotherham2017!",
        "correct horse battery staple",
        "consult-demo-2017",
        "priya shah likes long walks",
    ],
)
def test_other_passwords_of_twelve_characters_or_more_are_fine(password):
    assert password_problem(password, **PRIYA) is None


def test_the_demo_and_test_passwords_are_still_allowed():
    for email, name, _role in DEMO_USERS:
        assert password_problem(DEMO_PASSWORD, name=name, email=email) is None
    assert password_problem(factories.PASSWORD, name="Test Officer 1", email="officer1@x.y") is None


def test_creating_a_user_with_their_own_email_as_password_is_refused(app):
    with pytest.raises(AccountError, match="too close to your name or email address"):
        create_user(
            email="Priya.Shah@council.example",
            name="Priya Shah",
            role="officer",
            password="priya.shah@council.example",
        )

    assert db.session.scalar(select(User)) is None


def test_the_cli_explains_a_common_password_and_saves_nothing(app):
    result = app.test_cli_runner().invoke(
        args=[
            *("consult", "create-user", "--email", "x@council.example"),
            *("--name", "X", "--role", "officer", "--password", "password123456"),
        ],
    )

    assert result.exit_code != 0
    assert "one of the most common passwords" in result.output
    assert db.session.scalar(select(User)) is None


def test_an_invited_user_cannot_choose_their_own_name(app, client):
    user = accounts.invite_user(email=PRIYA["email"], name=PRIYA["name"], role="officer", by=None)
    db.session.commit()
    token = invitation_token(user)

    refused = client.post(
        f"/invitations/{token}", data={"password": "priyashah12345", "confirm": "priyashah12345"}
    )

    assert refused.status_code == 400
    assert "too close to your name or email address" in refused.get_data(as_text=True)
    assert client.get(f"/invitations/{token}").status_code == 200  # the link still works
    chosen = client.post(
        f"/invitations/{token}", data={"password": "Rotherham2017!", "confirm": "Rotherham2017!"}
    )
    assert chosen.status_code == 302
