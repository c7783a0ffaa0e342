"""`flask consult ...`: commands for people who run Consult."""

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import WSGIRequestHandler, make_server

from consult.extensions import db
from consult.redaction import letters


@click.group("consult")
def consult_cli():
    """Consult's own commands."""


@consult_cli.command("create-user")
@click.option("--email", prompt="Email address")
@click.option("--name", prompt="Full name")
@click.option(
    "--role",
    type=click.Choice(["officer", "scrutiny", "admin"]),
    prompt="Role (officer, scrutiny or admin)",
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given; 12 characters or more.",
)
@with_appcontext
def create_user_command(email, name, role, password):
    """Create a user who signs in with an email address and password."""
    from consult.auth.services import AccountError, create_user

    try:
        user = create_user(email=email, name=name, role=role, password=password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@consult_cli.command("demo")
@with_appcontext
def demo_command():
    """Load the demonstration data: the 2017 consultation and demo users. Safe to rerun."""
    if not current_app.config["ALLOW_DEMO"]:
        raise click.ClickException(
            "The demo is for development only: it creates users with published passwords."
        )
    from consult.demo.loader import load_demo

    summary = load_demo(echo=click.echo)
    db.session.commit()
    click.echo(summary)


@consult_cli.command("import-partners")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would do.")
@with_appcontext
def import_partners_command(file, dry_run):
    """Import organisations and contacts from a CSV file, as the import page does.

    Bad rows are listed by line and column and left out; the good rows are saved.
    """
    from consult.directory import services
    from consult.directory.imports import MAX_IMPORT_BYTES, ImportFileError

    data = file.read(MAX_IMPORT_BYTES + 1)
    try:
        partner_import = services.prepare_import(data, filename=Path(file.name).name)
    except ImportFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    for line, column, message in partner_import.problems:
        click.echo(f"Line {line}{f', {column}' if column else ''}: {message}", err=True)
    summary = partner_import.summary
    click.echo(
        f"{partner_import.good_rows} of {partner_import.total_rows} rows can be imported: "
        f"{summary['organisations_new']} new organisations, "
        f"{summary['organisations_existing']} already in the directory, "
        f"{summary['contacts_new']} new contacts, "
        f"{summary['contacts_existing']} already in the directory."
    )
    if dry_run or not partner_import.good_rows:
        db.session.rollback()
        click.echo("Nothing was saved.")
        return
    services.confirm_import(partner_import)
    partner_import.status = "importing"
    db.session.commit()
    with click.progressbar(length=partner_import.good_rows, label="Importing") as bar:
        done = 0
        for rows_done in services.import_partners(partner_import):
            db.session.commit()
            bar.update(rows_done - done)
            done = rows_done
    db.session.commit()
    summary = partner_import.summary
    click.echo(
        f"Added {summary['organisations_added']} organisations and "
        f"{summary['contacts_added']} contacts; updated {summary['organisations_updated']} "
        f"organisations and {summary['contacts_updated']} contacts."
    )


@consult_cli.command("import-emails")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_emails_command(folder):
    """File every .eml file in FOLDER as if it had arrived in the reply mailbox.

    For development and for mail saved elsewhere: each email is stored, then filed as a
    reply, a bounce or an automatic reply, as the beat task files the mailbox's. An email
    whose Message-ID is already stored is passed over.
    """
    from consult.inbox import filing

    paths = sorted(folder.glob("*.eml"))
    if not paths:
        raise click.ClickException(f"There are no .eml files in {folder.name}")
    position = filing.mailbox_position("files")
    first = position.last_uid + 1
    items = [(first + index, path.read_bytes(), None) for index, path in enumerate(paths)]
    stored = filing.store_batch("files", 0, items)
    db.session.commit()
    filed = filing.file_waiting()
    click.echo(
        f"Stored {len(stored)} of {len(paths)} emails ({len(paths) - len(stored)} were"
        f" already stored); filed {filed}."
    )


@consult_cli.command("read-mailbox")
@with_appcontext
def read_mailbox_command():
    """Read the reply mailbox (IMAP_HOST) now, as beat does every IMAP_POLL_SECONDS."""
    from consult.inbox import filing, imap

    if not imap.is_configured(current_app.config):
        raise click.ClickException("IMAP_HOST is not set: there is no reply mailbox to read")
    try:
        stored = imap.read_mailbox(current_app.config)
    except imap.MailboxUnavailable as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Stored {stored} new emails; filed {filing.file_waiting()}.")


@consult_cli.command("erase-expired")
@click.option("--dry-run", is_flag=True, help="List what would be erased; change nothing.")
@with_appcontext
def erase_expired_command(dry_run):
    """Erase personal details of consultations past their retention period."""
    from consult.db import utcnow
    from consult.retention.services import erase_due

    done = erase_due(utcnow(), dry_run=dry_run)
    if not done:
        click.echo("No consultation is past its retention period.")
    for consultation, counts in done:
        what = ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in counts.items())
        verb = "Would erase" if dry_run else "Erased"
        click.echo(f"{verb} from {consultation.reference} ({consultation.title}): {what}.")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()


@consult_cli.command("verify-audit")
@with_appcontext
def verify_audit_command():
    """Check the audit trail's hash chain; name the first broken link."""
    from consult.audit.chain import verify

    verdict = verify(db.session)
    if not verdict.intact:
        raise click.ClickException(verdict.message)
    click.echo(verdict.message)


# The worker says "celery@<host> ready." once it takes tasks, after its banner. From then
# on only its warnings and errors are passed on (a log line starts "[<time>: INFO/...]"):
# beat's sweeps, every 30 seconds, would bury the address.
_WORKER_READY = re.compile(r"\bready\.$")
_WORKER_INFO = re.compile(r"^\[[^\]]*: (DEBUG|INFO)/")
WORKER_START_SECONDS = 60


class PageRequestHandler(WSGIRequestHandler):
    """The development server's request handler, logging one line for each page and
    none for the stylesheets, scripts and images a page asks for under /static/."""

    def log_request(self, code="-", size="-"):
        if not self.path.startswith("/static/"):
            super().log_request(code, size)


@consult_cli.command("serve")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 5000)), type=int)
@click.option("--host", default="127.0.0.1")
@with_appcontext
def serve_command(port, host):
    """Run the web app with a Celery worker and beat beside it (development).

    The address and the demo sign-ins come last, once the worker is ready; after them, a
    line for each page opened and the worker's warnings and errors. One Ctrl-C stops all
    three.
    """
    app = current_app._get_current_object()
    try:
        # make_server, not run_simple: the address is printed after the worker's banner,
        # and the socket is open by then, so the address answers as soon as it is read.
        server = make_server(host, port, app, threaded=True, request_handler=PageRequestHandler)
    except OSError as error:
        raise click.ClickException(
            f"Port {port} is not free ({error.strerror}): try PORT=8000 make run"
        ) from None
    worker, worker_ready = _start_worker()
    # Stopped by a signal rather than Ctrl-C (a terminal closing, `kill`), it still stops
    # the worker and beat on its way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    try:
        worker_ready.wait(timeout=WORKER_START_SECONDS)
        _print_welcome(port, worker_is_running=worker.poll() is None)
        server.serve_forever()  # returns on Ctrl-C
    finally:
        server.server_close()
        worker.terminate()  # its warm shutdown stops the pool and beat
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def _start_worker():
    """Start the worker with beat, its log passed through to ours. Returns the process and
    an event set when the worker says it is ready (or stops)."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.main",
            "worker",
            "--beat",
            "--loglevel=INFO",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
        ],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    ready = threading.Event()

    def pass_log_through():
        for line in worker.stderr:
            if not (ready.is_set() and _WORKER_INFO.match(line)):
                sys.stderr.write(line)
                sys.stderr.flush()
            if _WORKER_READY.search(line.rstrip()):
                ready.set()
        ready.set()

    threading.Thread(target=pass_log_through, daemon=True).start()
    return worker, ready


def _print_welcome(port, worker_is_running):
    from consult.demo.loader import DEMO_PASSWORD, DEMO_USERS

    address = f"http://localhost:{port}"
    click.echo("")
    if not worker_is_running:
        click.secho(
            "The worker and beat stopped (their messages are above): pages open, but no "
            "email is sent and nothing runs on a schedule.",
            fg="red",
        )
    click.secho(f"Consult is running at {address}/", bold=True)
    click.echo(f"Sign in as any of these (password: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_USERS:
        click.echo(f"  {role:<9} {email}")
    if current_app.config["MAIL_BACKEND"] == "mailbox":
        click.echo(
            f"Emails are kept, not sent: read them at {address}/mailbox/ "
            "(signed in as the officer or admin)"
        )
    if not letters.can_read_scans():
        click.echo(
            "Tesseract is not installed, so scanned letters cannot be checked and are left "
            "out of the annex (apt-get install tesseract-ocr)."
        )
    click.echo("Press Ctrl-C to stop the web app, the worker and beat.")
    click.echo("")
