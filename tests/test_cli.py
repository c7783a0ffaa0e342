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


def test_serve_stopped_by_a_signal_stops_its_worker_and_beat_too(tmp_path):
    import contextlib
    import os
    import signal
    import subprocess
    import sys

    from consult import ROOT
    from tests.processes import page_answers, wait_until
    from tests.smtp import free_port

    port = free_port()
    env = {
        **os.environ,
        "CONSULT_CONFIG": "development",
        "CONSULT_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
    }
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "consult"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*flask, "consult", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    try:
        wait_until(lambda: page_answers(f"http://127.0.0.1:{port}/sign-in"), timeout=30)
        workers = _children(server.pid)
        assert workers, "serve started no worker"

        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

        wait_until(lambda: not any(_alive(pid) for pid in workers), timeout=20)
        assert not any(_alive(pid) for pid in workers), "the worker outlived serve"
    finally:
        if server.poll() is None:
            server.kill()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def _children(pid):
    from pathlib import Path

    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def _alive(pid):
    from pathlib import Path

    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
