"""Every email read as its recipient reads it, compared with a snapshot kept beside the tests.

Each snapshot in ``tests/emails/snapshots/<template>.txt`` holds the subject, the plain
text and the HTML of one email rendered for the 2017 consultation (letters sent on
Thursday 23 March, deadline 5pm on Friday 7 April). A missing snapshot is written, as is
every snapshot when ``UPDATE_SNAPSHOTS=1``; otherwise a change fails with a diff, to be
read and then accepted by updating.
"""

import difflib
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.auth import accounts
from consult.consultations import services as consultations
from consult.correspondence.emails import Email
from consult.correspondence.models import LINK_PLACEHOLDER, Message
from consult.dates import london_datetime
from consult.directory import services as directory
from consult.extensions import db
from consult.issuing import services as issuing
from consult.reminders.digest import digest
from consult.requests import partner_emails
from consult.requests.models import RecipientLink
from consult.respond import services as respond
from tests import factories

SNAPSHOTS = Path(__file__).parent / "snapshots"
TEMPLATES = Path(__file__).parents[2] / "templates" / "emails"
HTML_SEPARATOR = "----- HTML -----"

ISSUED = london_datetime(2017, 3, 23, 9, 0)  # Thursday 23 March 2017, 9am
DEADLINE = london_datetime(2017, 4, 7, 17, 0)  # Friday 7 April 2017, 5pm


def snapshot_text(email):
    return f"Subject: {email.subject}\n\n{email.text}\n{HTML_SEPARATOR}\n{email.html}\n"


def assert_email_snapshot(name, email):
    """``email`` reads as ``snapshots/<name>.txt``; written instead when missing or when
    UPDATE_SNAPSHOTS=1."""
    actual = snapshot_text(email)
    assert "{{" not in actual and "{%" not in actual, "raw template syntax in the email"
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        print(f"Wrote the snapshot {path}")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"snapshots/{name}.txt",
            tofile=f"{name} as rendered now",
        )
        pytest.fail(
            f"The {name} email differs from its snapshot (UPDATE_SNAPSHOTS=1 accepts it):\n"
            + "".join(diff),
            pytrace=False,
        )


def link_url():
    """The link as a stored email holds it: the placeholder, never a real token."""
    return partner_emails.partner_link_url(LINK_PLACEHOLDER)


def add_partner(name, sector, *, contact, role, email):
    organisation = directory.create_organisation(name=name, sector=sector)
    directory.add_contact(organisation, name=contact, role=role, email=email)
    return organisation


@pytest.fixture
def officer(app):
    return factories.create_user("officer", email="priya.shah@council.example", name="Priya Shah")


@pytest.fixture
def consultation(officer):
    """The 2017 consultation, issued to two schools and the police in this order (so the
    school's request is number 1)."""
    school = factories.create_sector("school", "School")
    police = factories.create_sector("police", "Police")
    partners = [
        add_partner(
            "Wingfield Academy",
            school,
            contact="Alex Morgan",
            role="Headteacher",
            email="head@wingfield-academy.example",
        ),
        add_partner(
            "Wales High School",
            school,
            contact="Chris Dunn",
            role="Headteacher",
            email="office@wales-high.example",
        ),
        add_partner(
            "South Yorkshire Police",
            police,
            contact="Sam Patel",
            role="Chief Superintendent",
            email="sam.patel@southyorks-police.example",
        ),
    ]
    consultation = factories.create_ready_consultation(
        officer, partners, reference="CYPS-2017", deadline=DEADLINE
    )
    consultations.add_document(
        consultation,
        factories.create_stored_pdf("cabinet-report.pdf"),
        title="Report to Cabinet, 15 March 2017",
        by=officer,
    )
    issuing.issue(consultation, by=officer, now=ISSUED)
    db.session.commit()
    return consultation


@pytest.fixture
def school_link(consultation):
    """Wingfield Academy's headteacher's link."""
    return db.session.scalar(
        select(RecipientLink).where(
            RecipientLink.contact.has(email="head@wingfield-academy.example")
        )
    )


def test_an_invitation_reads_as_its_snapshot(school_link):
    email = partner_emails.invitation(school_link, link_url=link_url())

    assert_email_snapshot("invitation", email)


def test_a_deadline_change_reads_as_its_snapshot(consultation, officer, school_link):
    # On Thursday 30 March the deadline moves a week, to Friday 14 April 2017 at 5pm.
    issuing.change_deadline(
        consultation,
        london_datetime(2017, 4, 14, 17, 0),
        by=officer,
        now=london_datetime(2017, 3, 30, 10, 0),
    )

    email = partner_emails.deadline_changed(school_link, link_url=link_url(), old_deadline=DEADLINE)

    assert_email_snapshot("deadline_changed", email)


def test_a_reminder_reads_as_its_snapshot(school_link):
    # Two days before the deadline: Wednesday 5 April 2017, 5pm.
    email = partner_emails.reminder(
        school_link, link_url=link_url(), now=london_datetime(2017, 4, 5, 17, 0)
    )

    assert_email_snapshot("reminder", email)


def test_an_acknowledgement_reads_as_its_snapshot(school_link):
    response = respond.record_response(
        school_link.request,
        stance="supports_with_reservations",
        comments=(
            "We support a partner from outside the council.\n\n"
            "Schools must keep a place on the improvement board."
        ),
        responder_name="Alex Morgan",
        responder_role="Headteacher",
        publication="publish",
        channel="web",
        received_at=london_datetime(2017, 4, 3, 10, 30),
        link=school_link,
    )

    email = partner_emails.acknowledgement(school_link, response)

    assert_email_snapshot("acknowledgement", email)


def test_a_digest_reads_as_its_snapshot(consultation, officer):
    # The morning of Wednesday 29 March: the police replied the day before, one school's
    # address rejected its invitation, and another's mail server returned it later.
    email = digest(
        consultation,
        officer,
        responded=[("South Yorkshire Police", london_datetime(2017, 3, 28, 13, 15))],
        failed=[("office@wales-high.example", "550 5.1.1 Recipient address rejected")],
        outstanding=[("School", 2)],
        now=london_datetime(2017, 3, 29, 8, 5),
        bounced=[("Old School", "head@oldschool.example", "Bounced: 550 5.1.1 user unknown", 7)],
    )

    assert_email_snapshot("digest", email)


def test_an_account_invitation_reads_as_its_snapshot(app):
    app.config["INVITATION_HOURS"] = 72
    admin = factories.create_user("admin", email="jo.bennett@council.example", name="Jo Bennett")
    accounts.invite_user(
        email="sam.okafor@council.example", name="Sam Okafor", role="officer", by=admin
    )
    message = db.session.scalar(select(Message).where(Message.kind == "account"))

    email = Email(subject=message.subject, text=message.body_text, html=message.body_html)

    assert_email_snapshot("account_invitation", email)


def test_every_email_template_has_a_snapshot():
    # Last in the file, so that a first run writes the snapshots before this looks.
    templates = {path.stem for path in TEMPLATES.iterdir() if path.suffix in (".txt", ".html")}
    snapshots = {path.stem for path in SNAPSHOTS.glob("*.txt")}

    assert templates, f"no email templates found in {TEMPLATES}"
    assert templates - snapshots == set(), "these email templates have no snapshot test"


def test_an_outcome_reads_as_its_snapshot(school_link):
    email = partner_emails.outcome(school_link, link_url=link_url())

    assert_email_snapshot("outcome", email)
