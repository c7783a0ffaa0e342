"""Secret links stay out of the access log of a real gunicorn serving the app."""

import os
import secrets
import signal
import subprocess
import sys
import urllib.request

from consult import ROOT
from tests.processes import page_answers, wait_until
from tests.services import require
from tests.smtp import free_port


def test_gunicorn_access_log_masks_partner_and_invitation_tokens(tmp_path):
    env = {
        **os.environ,
        "CONSULT_CONFIG": "test",
        "CONSULT_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'consult.sqlite'}",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "consult", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    access_log = tmp_path / "access.log"
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--workers", "1"),
            *("--bind", f"127.0.0.1:{port}", "--access-logfile", str(access_log)),
            "consult:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    partner_token, invitation_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    base = f"http://127.0.0.1:{port}"
    try:
        require(wait_until(lambda: page_answers(f"{base}/sign-in"), timeout=30), "gunicorn")
        page_answers(f"{base}/r/{partner_token}")
        # A Referer is logged too: the invitation page opened from a partner's page.
        page_answers(
            urllib.request.Request(
                f"{base}/invitations/{invitation_token}",
                headers={"Referer": f"{base}/r/{partner_token}"},
            )
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)

    log = access_log.read_text()
    assert partner_token not in log and invitation_token not in log
    assert '"GET /r/[token] HTTP/1.1" 404' in log
    assert '"GET /invitations/[token] HTTP/1.1" 404' in log
    assert f'"{base}/r/[token]"' in log
