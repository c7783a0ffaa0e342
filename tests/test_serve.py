"""`flask consult serve`, as `make run` starts it: what a newcomer reads in the terminal."""

import os
import re
import signal
import subprocess
import sys
import urllib.request

from consult import ROOT
from tests.processes import wait_until
from tests.services import require
from tests.smtp import free_port


def test_serve_prints_the_address_last_then_a_line_for_each_page_and_none_for_static_files(
    tmp_path,
):
    env = {
        **os.environ,
        "CONSULT_CONFIG": "development",
        "CONSULT_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
    }
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "consult"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    output = tmp_path / "serve.out"
    with output.open("w") as terminal:
        server = subprocess.Popen(
            [*flask, "consult", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=terminal,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = wait_until(lambda: "Press Ctrl-C" in output.read_text(), timeout=30)
        require(started, "serve, started within 30 s")
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/static/css/consult.css", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{base}/sign-in", timeout=10) as response:
            assert response.status == 200
        wait_until(lambda: "GET /sign-in" in output.read_text(), timeout=10)
        printed = output.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    banner = printed.index("[tasks]")
    ready = re.search(r"celery@\S+ ready\.\n", printed)
    assert ready and banner < ready.start()
    # Tesseract's line is there only where it is not installed.
    after_ready = [line for line in printed[ready.end() :].splitlines() if "Tesseract" not in line]
    assert after_ready[:9] == [
        "",
        f"Consult is running at http://localhost:{port}/",
        "Sign in as any of these (password: consult-demo-2017):",
        "  officer   officer@council.example",
        "  scrutiny  scrutiny@council.example",
        "  admin     admin@council.example",
        f"Emails are kept, not sent: read them at http://localhost:{port}/mailbox/ "
        "(signed in as the officer or admin)",
        "Press Ctrl-C to stop the web app, the worker and beat.",
        "",
    ]
    # Then beat's sweeps say nothing, the stylesheet nothing, and the page one line.
    assert len(after_ready) == 10
    assert re.fullmatch(r'127\.0\.0\.1 - - \[.+\] "GET /sign-in HTTP/1\.1" 200 -', after_ready[9])
