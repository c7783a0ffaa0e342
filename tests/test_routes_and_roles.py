"""Every route, and who may use it: the table grows with every feature.

The test fails when the app has a route the table does not list, so a new route cannot
arrive without saying who may use it; and for each role it checks the server's answer:
allowed roles get their page, other signed-in roles get 403, anonymous visitors are sent
to sign in.
"""

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import select

from consult.consultations import services as consultations
from consult.correspondence.models import Message
from consult.correspondence.wire import message_id_header
from consult.directory import services as directory
from consult.extensions import db
from consult.inbox import filing
from consult.issuing import services as issuing
from consult.mailbox.reader import list_emails
from consult.publish import services as publishing
from consult.requests.models import RecipientLink, Request
from consult.requests.tokens import create_token
from tests import factories
from tests.inbox.emails import outlook_reply
from worker.tasks.correspondence import deliver_messages

PUBLIC = "public"
# Partner pages: no sign-in, but only through a session a partner's link started.
PARTNER = "partner"
SIGNED_IN = frozenset({"officer", "scrutiny", "admin"})
OFFICERS = frozenset({"officer", "admin"})
ROLES = ("anonymous", "officer", "scrutiny", "admin")


@dataclass
class Samples:
    """Rows the routes' URLs point at."""

    message: Message
    consultation: object = None  # issued, open
    request: object = None
    link: object = None
    mailbox_email: str = ""
    token: str = ""
    criterion: object = None
    document: object = None
    partner_import: object = None
    annex_build: object = None
    officer: object = None
    arrival: object = None  # a reply filed under the request, not yet recorded
    stray: object = None  # an email that matched no request

    @property
    def option(self):
        return self.consultation.options[0]


def make_samples(app):
    """An issued consultation whose one invitation was delivered to the mailbox."""
    officer = factories.create_user("officer")
    organisation = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [organisation])
    criterion = consultations.add_criterion(consultation, "Pace of improvement")
    document = consultations.add_document(
        consultation, factories.create_stored_pdf(), title="Annex 1", by=officer
    )
    issuing.issue(consultation, by=officer)
    db.session.commit()
    message = db.session.scalar(select(Message))
    deliver_messages([message.id])
    emails, _total = list_emails(app.config["MAILBOX_DIR"], 1)
    _row, token = create_token(db.session.scalar(select(RecipientLink)))
    partner_import = directory.prepare_import(
        b"Organisation,Sector\nOakwood High,School\n", filename="partners.csv"
    )
    annex_build = publishing.request_annex(consultation, "pdf")
    ours = message_id_header(message.id, message.purpose, app.config["MAIL_DEFAULT_SENDER"])
    arrival, stray = filing.store_batch(
        "samples",
        1,
        [
            (1, outlook_reply(sender="Head <head@wingfield.example>", ours=ours), None),
            (2, outlook_reply(sender="A Governor <chair@governors.example>"), None),
        ],
    )
    filing.file_arrival(arrival)
    filing.file_arrival(stray)
    db.session.commit()
    return Samples(
        arrival=arrival,
        stray=stray,
        officer=officer,
        annex_build=annex_build,
        criterion=criterion,
        document=document,
        partner_import=partner_import,
        token=token,
        message=message,
        consultation=consultation,
        request=db.session.scalar(select(Request)),
        link=db.session.scalar(select(RecipientLink)),
        mailbox_email=emails[0].name,
    )


# (endpoint, method): (URL arguments from the samples, who may use it)
ROUTES = {
    ("consultations.home", "GET"): (lambda s: {}, PUBLIC),
    ("consultations.index", "GET"): (lambda s: {}, SIGNED_IN),
    ("consultations.new", "GET"): (lambda s: {}, OFFICERS),
    ("consultations.new", "POST"): (lambda s: {}, OFFICERS),
    ("consultations.detail", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("consultations.details", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.details", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.deadline", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.deadline", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consultations.options", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.options", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.edit_option", "GET"): (lambda s: {"option_id": s.option.id}, OFFICERS),
    ("consultations.edit_option", "POST"): (lambda s: {"option_id": s.option.id}, OFFICERS),
    ("consultations.prefer_option", "POST"): (lambda s: {"option_id": s.option.id}, OFFICERS),
    ("consultations.move_option", "POST"): (lambda s: {"option_id": s.option.id}, OFFICERS),
    ("consultations.remove_option", "POST"): (lambda s: {"option_id": s.option.id}, OFFICERS),
    # Removals ask first: GET is the "Are you sure?" page.
    ("consultations.remove_option", "GET"): (lambda s: {"option_id": s.option.id}, OFFICERS),
    ("consultations.remove_criterion", "GET"): (
        lambda s: {"criterion_id": s.criterion.id},
        OFFICERS,
    ),
    ("directory.remove_contact", "GET"): (lambda s: {"contact_id": s.link.contact_id}, OFFICERS),
    ("recipients.remove_recipient", "GET"): (
        lambda s: {"consultation_id": s.consultation.id, "request_id": s.request.id},
        OFFICERS,
    ),
    ("recipients.remove_recipient_contact", "GET"): (lambda s: {"link_id": s.link.id}, OFFICERS),
    ("consultations.appraisal", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consultations.appraisal", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consultations.edit_criterion", "GET"): (lambda s: {"criterion_id": s.criterion.id}, OFFICERS),
    ("consultations.edit_criterion", "POST"): (
        lambda s: {"criterion_id": s.criterion.id},
        OFFICERS,
    ),
    ("consultations.move_criterion", "POST"): (
        lambda s: {"criterion_id": s.criterion.id},
        OFFICERS,
    ),
    ("consultations.remove_criterion", "POST"): (
        lambda s: {"criterion_id": s.criterion.id},
        OFFICERS,
    ),
    ("consultations.letter", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.letter", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.documents", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consultations.documents", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consultations.document", "GET"): (lambda s: {"document_id": s.document.id}, SIGNED_IN),
    ("consultations.remove_document", "POST"): (
        lambda s: {"document_id": s.document.id},
        OFFICERS,
    ),
    ("consultations.copy", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("auth.sign_in", "GET"): (lambda s: {}, PUBLIC),
    ("auth.sign_in", "POST"): (lambda s: {}, PUBLIC),
    ("auth.sign_out", "POST"): (lambda s: {}, SIGNED_IN),
    ("mailbox.index", "GET"): (lambda s: {}, OFFICERS),
    ("mailbox.email", "GET"): (lambda s: {"name": s.mailbox_email}, OFFICERS),
    ("correspondence.log", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("correspondence.message", "GET"): (lambda s: {"message_id": s.message.id}, SIGNED_IN),
    ("issuing.issue", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("issuing.issue", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("recipients.index", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("recipients.pick_organisation", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("recipients.pick_contacts", "GET"): (
        lambda s: {
            "consultation_id": s.consultation.id,
            "organisation_id": s.request.organisation_id,
        },
        OFFICERS,
    ),
    ("recipients.pick_contacts", "POST"): (
        lambda s: {
            "consultation_id": s.consultation.id,
            "organisation_id": s.request.organisation_id,
        },
        OFFICERS,
    ),
    ("recipients.pick_sector", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("recipients.pick_people", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("recipients.pick_people", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("recipients.remove_recipient", "POST"): (
        lambda s: {"consultation_id": s.consultation.id, "request_id": s.request.id},
        OFFICERS,
    ),
    ("recipients.remove_recipient_contact", "POST"): (lambda s: {"link_id": s.link.id}, OFFICERS),
    ("recipients.preview", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("issuing.send_out", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("issuing.send_out_progress", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        SIGNED_IN,
    ),
    ("review.request_detail", "GET"): (lambda s: {"request_id": s.request.id}, SIGNED_IN),
    ("issuing.resend_link", "POST"): (lambda s: {"link_id": s.link.id}, OFFICERS),
    ("issuing.withdraw", "GET"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("issuing.withdraw", "POST"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("issuing.add_recipient", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("issuing.add_recipient", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("issuing.change_deadline", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("issuing.change_deadline", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("issuing.add_contacts", "GET"): (
        lambda s: {
            "consultation_id": s.consultation.id,
            "organisation_id": s.request.organisation_id,
        },
        OFFICERS,
    ),
    ("issuing.add_contacts", "POST"): (
        lambda s: {
            "consultation_id": s.consultation.id,
            "organisation_id": s.request.organisation_id,
        },
        OFFICERS,
    ),
    ("static", "GET"): (lambda s: {"filename": "css/consult.css"}, PUBLIC),
    ("reminders.outstanding", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("reminders.outstanding_csv", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        SIGNED_IN,
    ),
    ("reminders.remind_now", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("reminders.remind_now", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.close", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("consultations.close", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("directory.index", "GET"): (lambda s: {}, SIGNED_IN),
    ("directory.new_organisation", "GET"): (lambda s: {}, OFFICERS),
    ("directory.new_organisation", "POST"): (lambda s: {}, OFFICERS),
    ("directory.organisation", "GET"): (
        lambda s: {"organisation_id": s.request.organisation_id},
        SIGNED_IN,
    ),
    ("directory.edit_organisation", "GET"): (
        lambda s: {"organisation_id": s.request.organisation_id},
        OFFICERS,
    ),
    ("directory.edit_organisation", "POST"): (
        lambda s: {"organisation_id": s.request.organisation_id},
        OFFICERS,
    ),
    ("directory.archive", "POST"): (
        lambda s: {"organisation_id": s.request.organisation_id},
        OFFICERS,
    ),
    ("directory.new_contact", "GET"): (
        lambda s: {"organisation_id": s.request.organisation_id},
        OFFICERS,
    ),
    ("directory.new_contact", "POST"): (
        lambda s: {"organisation_id": s.request.organisation_id},
        OFFICERS,
    ),
    ("directory.edit_contact", "GET"): (lambda s: {"contact_id": s.link.contact_id}, OFFICERS),
    ("directory.edit_contact", "POST"): (lambda s: {"contact_id": s.link.contact_id}, OFFICERS),
    ("directory.remove_contact", "POST"): (lambda s: {"contact_id": s.link.contact_id}, OFFICERS),
    ("directory.sectors", "GET"): (lambda s: {}, SIGNED_IN),
    ("directory.add_sector", "POST"): (lambda s: {}, frozenset({"admin"})),
    ("record.record_reply", "GET"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("record.record_reply", "POST"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("record.record_email", "GET"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("record.record_email", "POST"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("record.record_consultation_email", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("record.record_consultation_email", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("record.check_email", "POST"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("auth.second_factor", "GET"): (lambda s: {}, PUBLIC),
    ("auth.second_factor", "POST"): (lambda s: {}, PUBLIC),
    ("auth.set_up_at_sign_in", "GET"): (lambda s: {}, PUBLIC),
    ("auth.set_up_at_sign_in", "POST"): (lambda s: {}, PUBLIC),
    ("auth.two_factor_account", "GET"): (lambda s: {}, SIGNED_IN),
    ("auth.two_factor_account", "POST"): (lambda s: {}, SIGNED_IN),
    ("auth.accept_invitation", "GET"): (lambda s: {"token": "no-such-invitation"}, PUBLIC),
    ("auth.accept_invitation", "POST"): (lambda s: {"token": "no-such-invitation"}, PUBLIC),
    ("users.index", "GET"): (lambda s: {}, frozenset({"admin"})),
    ("users.invite", "GET"): (lambda s: {}, frozenset({"admin"})),
    ("users.invite", "POST"): (lambda s: {}, frozenset({"admin"})),
    ("users.user", "GET"): (lambda s: {"user_id": s.officer.id}, frozenset({"admin"})),
    ("users.change_role", "POST"): (lambda s: {"user_id": s.officer.id}, frozenset({"admin"})),
    ("users.disable", "POST"): (lambda s: {"user_id": s.officer.id}, frozenset({"admin"})),
    ("users.enable", "POST"): (lambda s: {"user_id": s.officer.id}, frozenset({"admin"})),
    ("users.reset_two_factor", "POST"): (lambda s: {"user_id": s.officer.id}, frozenset({"admin"})),
    ("users.resend_invitation", "POST"): (
        lambda s: {"user_id": s.officer.id},
        frozenset({"admin"}),
    ),
    ("users.two_factor_policy", "GET"): (lambda s: {}, frozenset({"admin"})),
    ("users.two_factor_policy", "POST"): (lambda s: {}, frozenset({"admin"})),
    ("review.dashboard", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("review.log", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    # No sample response exists: access is decided before the row is looked up (then 404).
    ("review.response_letter", "GET"): (lambda s: {"response_id": 1}, SIGNED_IN),
    ("review.response_email", "GET"): (lambda s: {"response_id": 1}, OFFICERS),
    ("publish.log_csv", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("publish.log_xlsx", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("publish.annex", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("publish.build_annex", "POST"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("publish.annex_progress", "GET"): (lambda s: {"build_id": s.annex_build.id}, SIGNED_IN),
    ("publish.download_annex", "GET"): (lambda s: {"build_id": s.annex_build.id}, SIGNED_IN),
    ("publish.publish_annex", "POST"): (lambda s: {"build_id": s.annex_build.id}, OFFICERS),
    ("letter_checks.index", "GET"): (lambda s: {"consultation_id": s.consultation.id}, OFFICERS),
    ("letter_checks.letter", "GET"): (
        lambda s: {"consultation_id": s.consultation.id, "stored_file_id": 1},
        OFFICERS,
    ),
    ("letter_checks.save_check", "POST"): (
        lambda s: {"consultation_id": s.consultation.id, "stored_file_id": 1},
        OFFICERS,
    ),
    ("letter_checks.page_image", "GET"): (
        lambda s: {"consultation_id": s.consultation.id, "stored_file_id": 1, "number": 1},
        OFFICERS,
    ),
    ("consideration.index", "GET"): (lambda s: {"consultation_id": s.consultation.id}, SIGNED_IN),
    ("consideration.add_theme", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consideration.merge_themes", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consideration.reply", "GET"): (lambda s: {"request_id": s.request.id}, SIGNED_IN),
    ("consideration.mark_point", "POST"): (lambda s: {"request_id": s.request.id}, OFFICERS),
    ("consideration.change_point", "POST"): (lambda s: {"point_id": 1}, OFFICERS),
    ("consideration.remove_point", "POST"): (lambda s: {"point_id": 1}, OFFICERS),
    ("consideration.theme", "GET"): (lambda s: {"theme_id": 1}, SIGNED_IN),
    ("consideration.save_theme", "POST"): (lambda s: {"theme_id": 1}, OFFICERS),
    ("consideration.schedule_page", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        SIGNED_IN,
    ),
    ("consideration.schedule_docx", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        SIGNED_IN,
    ),
    ("consideration.publish_outcome", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consideration.suggest", "POST"): (
        lambda s: {"consultation_id": s.consultation.id},
        OFFICERS,
    ),
    ("consideration.suggestion_progress", "GET"): (lambda s: {"run_id": 1}, SIGNED_IN),
    ("outcome.outcome", "GET"): (lambda s: {"token": s.token}, PUBLIC),
    ("pages.accessibility", "GET"): (lambda s: {}, PUBLIC),
    ("pages.privacy", "GET"): (lambda s: {}, PUBLIC),
    ("pages.cookies", "GET"): (lambda s: {}, PUBLIC),
    ("retention.person", "GET"): (lambda s: {}, frozenset({"admin"})),
    ("retention.find_person", "POST"): (lambda s: {}, frozenset({"admin"})),
    ("retention.export_person", "POST"): (lambda s: {}, frozenset({"admin"})),
    ("retention.erase_person", "POST"): (lambda s: {}, frozenset({"admin"})),
    ("directory.rename_sector", "GET"): (
        lambda s: {"sector_id": s.request.organisation.sector_id},
        frozenset({"admin"}),
    ),
    ("directory.rename_sector", "POST"): (
        lambda s: {"sector_id": s.request.organisation.sector_id},
        frozenset({"admin"}),
    ),
    ("directory.import_partners", "GET"): (lambda s: {}, OFFICERS),
    ("directory.import_partners", "POST"): (lambda s: {}, OFFICERS),
    ("directory.partner_import", "GET"): (
        lambda s: {"import_id": s.partner_import.id},
        OFFICERS,
    ),
    ("directory.partner_import_progress", "GET"): (
        lambda s: {"import_id": s.partner_import.id},
        OFFICERS,
    ),
    ("directory.confirm_import", "POST"): (
        lambda s: {"import_id": s.partner_import.id},
        OFFICERS,
    ),
    ("inbox.consultation_arrivals", "GET"): (
        lambda s: {"consultation_id": s.consultation.id},
        SIGNED_IN,
    ),
    ("inbox.unmatched", "GET"): (lambda s: {}, OFFICERS),
    ("inbox.arrival", "GET"): (lambda s: {"arrival_id": s.arrival.id}, SIGNED_IN),
    ("inbox.assign", "POST"): (lambda s: {"arrival_id": s.stray.id}, OFFICERS),
    ("inbox.set_aside", "GET"): (lambda s: {"arrival_id": s.stray.id}, OFFICERS),
    ("inbox.set_aside", "POST"): (lambda s: {"arrival_id": s.stray.id}, OFFICERS),
    ("inbox.put_back", "POST"): (lambda s: {"arrival_id": s.stray.id}, OFFICERS),
    ("inbox.original", "GET"): (lambda s: {"arrival_id": s.arrival.id}, OFFICERS),
    # The sample reply has no letter: access is decided first (then 404).
    ("inbox.letter", "GET"): (lambda s: {"arrival_id": s.arrival.id, "number": 1}, OFFICERS),
    ("review.record_arrival", "POST"): (
        lambda s: {"request_id": s.request.id, "arrival_id": s.arrival.id},
        OFFICERS,
    ),
    ("respond.landing", "GET"): (lambda s: {"token": s.token}, PUBLIC),
    ("respond.start", "POST"): (lambda s: {"token": s.token}, PUBLIC),
    ("respond.overview", "GET"): (lambda s: {}, PARTNER),
    ("respond.answer", "GET"): (lambda s: {}, PARTNER),
    ("respond.answer", "POST"): (lambda s: {}, PARTNER),
    ("respond.check", "GET"): (lambda s: {}, PARTNER),
    ("respond.check", "POST"): (lambda s: {}, PARTNER),
    ("respond.sent", "GET"): (lambda s: {"version": 1}, PARTNER),
    ("respond.paper", "GET"): (lambda s: {"document_id": 1}, PARTNER),
    ("respond.decline", "GET"): (lambda s: {}, PARTNER),
    ("respond.decline", "POST"): (lambda s: {}, PARTNER),
    ("respond.undo_decline", "POST"): (lambda s: {}, PARTNER),
}


def registered_routes(app):
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_table(app):
    registered = registered_routes(app)

    assert registered - set(ROUTES) == set(), "routes missing from the table"
    assert set(ROUTES) - registered == set(), "table lists routes that do not exist"


def test_every_view_declares_its_access_and_it_matches_the_table(app):
    for (endpoint, _method), (_args, allowed) in ROUTES.items():
        if endpoint == "static":
            continue
        declared = app.view_functions[endpoint].access
        if allowed == PARTNER:
            assert declared == PUBLIC, endpoint  # no sign-in; the partner session guards it
            continue
        expected = PUBLIC if allowed == PUBLIC else tuple(sorted(allowed))
        assert (declared if declared == PUBLIC else tuple(sorted(declared))) == expected, endpoint


def test_a_view_without_declared_access_stops_the_app_starting(app):
    from consult.security import check_every_route_declares_access

    app.view_functions["forgotten"] = lambda: "no roles"
    with pytest.raises(RuntimeError, match="forgotten"):
        check_every_route_declares_access(app)
    del app.view_functions["forgotten"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(app, client, sign_in, role):
    samples = make_samples(app)
    if role != "anonymous":
        sign_in(role)

    problems = []
    for (endpoint, method), (arguments, allowed) in sorted(ROUTES.items()):
        if endpoint == "auth.sign_out" or allowed == PARTNER:
            continue  # sign-out ends the session; partner pages: see the test below
        with app.test_request_context():
            url = url_for(endpoint, **arguments(samples))
        response = client.open(url, method=method)
        status = response.status_code
        location = response.headers.get("Location", "")
        sent_to_sign_in = status == 302 and "/sign-in" in location
        if allowed == PUBLIC or role in allowed:
            if status == 403 or sent_to_sign_in or status >= 500:
                problems.append(f"{method} {url}: {role} should be allowed, got {status}")
        elif role == "anonymous":
            if not sent_to_sign_in:
                problems.append(f"{method} {url}: anonymous should sign in, got {status}")
        elif status != 403:
            problems.append(f"{method} {url}: {role} should get 403, got {status}")

    assert problems == []


def test_signing_out_needs_a_session(client, sign_in):
    assert client.post("/sign-out").status_code == 302  # anonymous: sent to sign in
    sign_in("scrutiny")
    response = client.post("/sign-out")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


@pytest.mark.parametrize("role", ROLES)
def test_partner_pages_need_a_partner_link_whoever_is_signed_in(app, client, sign_in, role):
    samples = make_samples(app)
    if role != "anonymous":
        sign_in(role)

    for (endpoint, method), (arguments, allowed) in sorted(ROUTES.items()):
        if allowed != PARTNER:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **arguments(samples))
        response = client.open(url, method=method)
        assert response.status_code == 403, f"{method} {url} as {role}"
        assert "Open the link in your email again" in response.get_data(as_text=True)


def test_a_partner_link_reaches_only_its_own_requests_pages(app, client):
    samples = make_samples(app)
    other_school = factories.create_organisation("Wales High School")
    officer = factories.create_user("officer")
    issuing.add_recipient_after_issue(
        samples.consultation, other_school, other_school.contacts, by=officer
    )
    db.session.commit()

    assert client.post(f"/r/{samples.token}").status_code == 303
    page = client.get("/respond").get_data(as_text=True)

    assert "Wingfield Academy" in page and "Wales High School" not in page
