"""Every staff page of demo-like data, in Chromium, photographed at a desktop's width and a
phone's into test-screenshots/ (kept after the run, to look at): each answers 200, has
one h1 and passes axe. Pages a phone has to scroll sideways are listed in
test-screenshots/sideways.txt and printed, not failed on.

The pages are the app's own GET routes: one added later without a line in PAGES fails
here, so that it is photographed too. Left out: the partner's pages (/r/, /respond),
files and downloads, and JSON.
"""

import shutil
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import url_for
from sqlalchemy import select

from consult import ROOT
from consult.auth import accounts, two_factor
from consult.consideration.models import Theme
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.correspondence.models import Message
from consult.dates import london_datetime
from consult.db import utcnow
from consult.demo import data
from consult.demo.loader import DEMO_PASSWORD, DEMO_USERS, DRAFT_REFERENCE_SUFFIX, load_demo
from consult.directory import services as directory
from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db
from consult.issuing import services as issuing
from consult.mailbox.reader import list_emails
from consult.requests.models import Request
from consult.respond import services as respond
from consult.sealing import unseal
from tests import factories
from tests.browser.signing_in import sign_in
from tests.inbox.emails import outlook_reply
from tests.inbox.test_pages import arrive, ours, with_letter
from worker.tasks.correspondence import deliver_messages

pytestmark = [
    pytest.mark.browser,
    # The pages look the same on either database; once is enough for photographs.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

SCREENSHOTS = ROOT / "test-screenshots"
WIDTHS = (1280, 375)
# Not pages: the partner's (their own tests photograph them), files, downloads, JSON.
NOT_STAFF_PAGES = {
    "static",
    "consultations.document",
    "publish.download_annex",
    "review.response_letter",
    "review.response_email",
    "inbox.original",
    "inbox.letter",
}
NOT_STAFF_SUFFIXES = (".json", ".csv", ".xlsx", ".docx", ".png")


@dataclass
class Demo:
    """The demo, as `make run` loads it, and what it lacks to reach every page."""

    closed: Consultation  # the 2017 consultation: eight replies, points and themes
    open: Consultation  # the practice copy, issued: a reply, a letter, emails arrived
    draft: Consultation  # a new draft with a criterion
    draft_request: Request
    replied: Request  # in the closed consultation, with points
    outstanding: Request  # in the open one, with an email arrived
    answered: Request  # in the open one, replied with a letter
    letter_id: int
    arrival_id: int
    stray_id: int
    message_id: int
    mailbox_email: str
    invitation_token: str
    import_id: int
    invited_user_id: int


def make_demo(app):
    load_demo(echo=lambda *args: None)
    officer = _user("officer")
    closed = _consultation(data.CONSULTATION["reference"])
    practice = _consultation(data.CONSULTATION["reference"] + DRAFT_REFERENCE_SUFFIX)
    issuing.issue(practice, by=officer)
    db.session.commit()
    deliver_messages(list(db.session.scalars(select(Message.id))))
    requests = db.session.scalars(
        select(Request).where(Request.consultation_id == practice.id).order_by(Request.id)
    ).all()
    answered, outstanding = requests[0], requests[1]
    letter = factories.create_stored_pdf("Letter from the school.pdf")
    respond.record_response(
        answered,
        stance="supports",
        comments="We support the preferred option; our letter sets out why.",
        channel="post",
        received_at=utcnow(),
        responder_name="Jo Head",
        responder_role="Headteacher",
        entered_by=officer,
        letter_file_id=letter.id,
    )
    db.session.commit()
    arrival = arrive(with_letter(outlook_reply(ours=ours(outstanding))))
    stray = arrive(outlook_reply(sender="A Governor <chair@governors.example>"))

    draft = factories.create_ready_consultation(
        officer,
        db.session.scalars(select(Organisation).order_by(Organisation.id).limit(3)).all(),
        reference="ILSC-2026-DRAFT",
        deadline=london_datetime(2030, 3, 29, 17),
    )
    consultations.add_criterion(draft, "Pace of improvement")
    factories.create_organisation("Maltby Academy")  # asked by neither, to add
    partner_import = directory.prepare_import(
        b"Organisation,Sector\nOakwood High,School\n", filename="partners.csv"
    )
    enrolled = factories.create_user("officer", email="kim.lee@council.example")
    two_factor.confirm_enrolment(enrolled, pyotp.TOTP(two_factor.begin_enrolment(enrolled)).now())
    factories.create_user("scrutiny", email="ola.ade@council.example")
    invited = accounts.invite_user(
        email="sam.kent@council.example", name="Sam Kent", role="officer", by=_user("admin")
    )
    db.session.commit()
    invitation = db.session.scalar(select(Message).where(Message.user_id == invited.id))
    emails, _total = list_emails(app.config["MAILBOX_DIR"], 1)
    replied = db.session.scalar(
        select(Request)
        .join(Organisation)
        .where(Request.consultation_id == closed.id)
        .where(Organisation.name == data.REPLIES[0]["organisation"])
    )
    return Demo(
        closed=closed,
        open=practice,
        draft=draft,
        draft_request=db.session.scalar(
            select(Request).where(Request.consultation_id == draft.id).order_by(Request.id)
        ),
        replied=replied,
        outstanding=outstanding,
        answered=answered,
        letter_id=letter.id,
        arrival_id=arrival.id,
        stray_id=stray.id,
        message_id=db.session.scalar(
            select(Message.id).where(Message.request_id == outstanding.id)
        ),
        mailbox_email=emails[0].name,
        invitation_token=unseal(invitation.sealed_link),
        import_id=partner_import.id,
        invited_user_id=invited.id,
    )


def _user(role):
    from consult.auth.services import get_user_by_email

    return get_user_by_email(next(email for email, _name, r in DEMO_USERS if r == role))


def _consultation(reference):
    return db.session.scalar(select(Consultation).where(Consultation.reference == reference))


def _first(model, *where):
    return db.session.scalar(select(model.id).where(*where).order_by(model.id))


def _not_yet_asked(consultation):
    """An organisation the consultation has no request to."""
    asked = select(Request.organisation_id).where(Request.consultation_id == consultation.id)
    return _first(Organisation, Organisation.id.not_in(asked))


# (endpoint, the URL's arguments from the demo). A consultation's pages show the one they
# suit: the closed demo for reading replies, the issued one for running a consultation,
# the draft for drafting; the consultation's own page shows all three.
def _of(which):
    def arguments(d):
        return {"consultation_id": getattr(d, which).id}

    arguments.label = which  # in the screenshot's name, where a page is shown more than once
    return arguments


def _request(which):
    def arguments(d):
        return {"request_id": getattr(d, which).id}

    arguments.label = which
    return arguments


def _none(d):
    return {}


PAGES = [
    ("consultations.home", _none),
    ("consultations.index", _none),
    ("consultations.new", _none),
    ("consultations.detail", _of("closed")),
    ("consultations.detail", _of("open")),
    ("consultations.detail", _of("draft")),
    ("consultations.details", _of("draft")),
    ("consultations.deadline", _of("draft")),
    ("consultations.options", _of("draft")),
    ("consultations.appraisal", _of("draft")),
    ("consultations.letter", _of("draft")),
    ("consultations.documents", _of("draft")),
    ("consultations.edit_option", lambda d: {"option_id": d.draft.options[0].id}),
    ("consultations.remove_option", lambda d: {"option_id": d.draft.options[0].id}),
    ("consultations.edit_criterion", lambda d: {"criterion_id": d.draft.criteria[0].id}),
    ("consultations.remove_criterion", lambda d: {"criterion_id": d.draft.criteria[0].id}),
    ("recipients.index", _of("draft")),
    ("recipients.preview", _of("draft")),
    ("recipients.pick_people", _of("draft")),
    (
        "recipients.pick_contacts",
        lambda d: {"consultation_id": d.draft.id, "organisation_id": _not_yet_asked(d.draft)},
    ),
    (
        "recipients.remove_recipient",
        lambda d: {"consultation_id": d.draft.id, "request_id": d.draft_request.id},
    ),
    ("recipients.remove_recipient_contact", lambda d: {"link_id": d.draft_request.links[0].id}),
    ("issuing.issue", _of("draft")),
    ("issuing.send_out", _of("open")),
    ("issuing.add_recipient", _of("open")),
    (
        "issuing.add_contacts",
        lambda d: {"consultation_id": d.open.id, "organisation_id": _not_yet_asked(d.open)},
    ),
    ("issuing.change_deadline", _of("open")),
    ("issuing.withdraw", lambda d: {"request_id": d.outstanding.id}),
    ("consultations.close", _of("open")),
    ("reminders.outstanding", _of("open")),
    ("reminders.remind_now", _of("open")),
    ("correspondence.log", _of("open")),
    ("correspondence.message", lambda d: {"message_id": d.message_id}),
    ("record.record_consultation_email", _of("open")),
    ("record.record_reply", lambda d: {"request_id": d.outstanding.id}),
    ("record.record_email", lambda d: {"request_id": d.outstanding.id}),
    ("review.request_detail", _request("outstanding")),
    ("review.request_detail", _request("answered")),
    ("review.request_detail", _request("replied")),
    ("inbox.consultation_arrivals", _of("open")),
    ("inbox.unmatched", _none),
    ("inbox.arrival", lambda d: {"arrival_id": d.stray_id}),
    ("inbox.set_aside", lambda d: {"arrival_id": d.stray_id}),
    ("letter_checks.index", _of("open")),
    (
        "letter_checks.letter",
        lambda d: {"consultation_id": d.open.id, "stored_file_id": d.letter_id},
    ),
    ("review.dashboard", _of("closed")),
    ("review.log", _of("closed")),
    ("consideration.index", _of("closed")),
    ("consideration.reply", lambda d: {"request_id": d.replied.id}),
    (
        "consideration.theme",
        lambda d: {"theme_id": _first(Theme, Theme.consultation_id == d.closed.id)},
    ),
    ("consideration.schedule_page", _of("closed")),
    ("publish.annex", _of("closed")),
    ("directory.index", _none),
    ("directory.sectors", _none),
    ("directory.rename_sector", lambda d: {"sector_id": _first(Sector)}),
    ("directory.new_organisation", _none),
    ("directory.organisation", lambda d: {"organisation_id": d.outstanding.organisation_id}),
    ("directory.edit_organisation", lambda d: {"organisation_id": d.outstanding.organisation_id}),
    ("directory.new_contact", lambda d: {"organisation_id": d.outstanding.organisation_id}),
    ("directory.edit_contact", lambda d: {"contact_id": _first(Contact)}),
    ("directory.remove_contact", lambda d: {"contact_id": _first(Contact)}),
    ("directory.import_partners", _none),
    ("directory.partner_import", lambda d: {"import_id": d.import_id}),
    ("mailbox.index", _none),
    ("mailbox.email", lambda d: {"name": d.mailbox_email}),
    ("auth.two_factor_account", _none),
    ("users.index", _none),
    ("users.invite", _none),
    ("users.user", lambda d: {"user_id": d.invited_user_id}),
    ("users.two_factor_policy", _none),
    ("retention.person", _none),
    ("pages.accessibility", _none),
    ("pages.cookies", _none),
    ("pages.privacy", _none),
    # Signed out:
    ("auth.sign_in", _none),
    ("auth.accept_invitation", lambda d: {"token": d.invitation_token}),
    ("auth.second_factor", _none),
    ("auth.set_up_at_sign_in", _none),
]
# Halfway through signing in, after the password: (who, with two-factor required of)
SIGN_IN_STEPS = {
    "auth.second_factor": ("kim.lee@council.example", []),
    "auth.set_up_at_sign_in": ("ola.ade@council.example", ["scrutiny"]),
}
SIGNED_OUT = {"auth.sign_in", "auth.accept_invitation", *SIGN_IN_STEPS}
# What a scrutiny member reads differs from the officer's page (no buttons to change it).
SCRUTINY = {
    "consultations.index",
    "consultations.detail",
    "review.dashboard",
    "review.log",
    "review.request_detail",
    "consideration.index",
    "consideration.reply",
    "consideration.theme",
    "consideration.schedule_page",
    "reminders.outstanding",
    "directory.organisation",
}


def _is_a_staff_page(rule):
    return not (
        rule.endpoint in NOT_STAFF_PAGES
        or rule.rule.startswith(("/r/", "/respond"))
        or rule.rule.endswith(NOT_STAFF_SUFFIXES)
    )


@pytest.fixture
def demo(app):
    return make_demo(app)


def test_every_staff_page_answers_with_one_heading_passes_axe_and_is_photographed(
    app, browser, live_server, assert_accessible, demo
):
    staff_pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and _is_a_staff_page(rule)
    }
    assert {endpoint for endpoint, _ in PAGES} == staff_pages, "add the new page to PAGES"
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir()
    with app.test_request_context():
        urls = [
            (endpoint, getattr(arguments, "label", ""), url_for(endpoint, **arguments(demo)))
            for endpoint, arguments in PAGES
        ]
    by_role = {"signed out": [], "officer": [], "admin": [], "scrutiny": []}
    for endpoint, label, url in urls:
        access = getattr(app.view_functions[endpoint], "access", "public")
        if endpoint in SIGNED_OUT:
            by_role["signed out"].append((endpoint, label, url))
        elif access == ("admin",):
            by_role["admin"].append((endpoint, label, url))
        else:
            by_role["officer"].append((endpoint, label, url))
        if endpoint in SCRUTINY:
            by_role["scrutiny"].append((endpoint, label, url))

    problems, sideways = [], []
    number = 0
    for role, pages in by_role.items():
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        if role == "signed out":
            _a_newcomer_is_asked_to_sign_in_calmly(page, live_server)
        else:
            email = next(email for email, _name, r in DEMO_USERS if r == role)
            sign_in(page, live_server, email, DEMO_PASSWORD)
        for endpoint, label, url in pages:
            if endpoint in SIGN_IN_STEPS:
                email, required = SIGN_IN_STEPS[endpoint]
                _require_two_factor_of(required)
                context.clear_cookies()
                sign_in(page, live_server, email)
                assert page.url == f"{live_server}{url}"
            number += 1
            name = f"{number:03d}-{role.replace(' ', '-')}-{endpoint}" + (label and f"-{label}")
            problems += _look_at(page, f"{live_server}{url}", name, assert_accessible, sideways)
        context.close()
        _require_two_factor_of([])

    report = "\n".join(sideways) or "none"
    (SCREENSHOTS / "sideways.txt").write_text(report + "\n")
    print(f"\nPages a 375 px phone scrolls sideways:\n{report}")
    assert problems == []


def _a_newcomer_is_asked_to_sign_in_calmly(page, live_server):
    """Opening Consult's address signed out: the sign-in page, with no "Important"
    banner; why, in an inset."""
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/sign-in?next=")
    assert page.locator(".govuk-notification-banner").count() == 0
    assert page.locator(".govuk-inset-text").inner_text() == "Sign in to see this page."


def _require_two_factor_of(roles):
    two_factor.set_required_roles(roles, by=None)
    db.session.commit()


def _look_at(page, url, name, assert_accessible, sideways):
    """Open the page, check it, photograph it at each width; its problems."""
    response = page.goto(url)
    problems = []
    if response.status != 200:
        problems.append(f"{name}: {url} answered {response.status}")
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"{name}: {headings} h1 headings")
    try:
        assert_accessible(page)
    except AssertionError as failure:
        problems.append(f"{name}: {failure}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if width < 400 and overflow > 0:
            sideways.append(f"{name}: {urlsplit(url).path} is {overflow} px too wide")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return problems
