"""`flask consult ...` commands."""

from sqlalchemy import select

from consult.auth.models import User
from consult.auth.passwords import verify_password
from consult.extensions import db


def test_create_user_makes_a_user_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "consult",
            "create-user",
            "--email",
            "New.Officer@Council.example",
            "--name",
            "New Officer",
            "--role",
            "officer",
        ],
        input="a long enough password\na long enough password\n",
    )

    assert result.exit_code == 0, result.output
    assert "Created officer new.officer@council.example" in result.output
    user = db.session.scalar(select(User).where(User.email == "new.officer@council.example"))
    assert verify_password(user.password_hash, "a long enough password")
    response = client.post(
        "/sign-in",
        data={"email": "new.officer@council.example", "password": "a long enough password"},
    )
    assert response.status_code == 302


def test_create_user_explains_a_short_password_and_saves_nothing(app):
    result = app.test_cli_runner().invoke(
        args=[
            "consult",
            "create-user",
            "--email",
            "x@council.example",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            "short",
        ],
    )

    assert result.exit_code != 0
    assert "Password must be 12 characters or more" in result.output
    assert db.session.scalar(select(User)) is None


def test_create_user_refuses_a_second_account_for_the_same_email(app):
    runner = app.test_cli_runner()
    arguments = [
        "consult",
        "create-user",
        "--email",
        "x@council.example",
        "--name",
        "X",
        "--role",
        "scrutiny",
        "--password",
        "a long enough password",
    ]
    assert runner.invoke(args=arguments).exit_code == 0

    again = runner.invoke(args=arguments)

    assert again.exit_code != 0
    assert "already a user with the email address x@council.example" in again.output


def test_create_user_refuses_a_bad_email_address(app):
    result = app.test_cli_runner().invoke(
        args=[
            "consult",
            "create-user",
            "--email",
            "not an email",
            "--name",
            "X",
            "--role",
            "officer",
            "--password",
            "a long enough password",
        ],
    )

    assert result.exit_code != 0
    assert "Enter a valid email address" in result.output
