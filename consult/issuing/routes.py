"""Issuing a consultation, following the send-out, and an officer's actions on a request."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from consult import queue
from consult.auth.access import officers_only, signed_in
from consult.consultations.letters import LetterError
from consult.consultations.models import Consultation
from consult.consultations.readiness import readiness_problems
from consult.correspondence import queries as correspondence
from consult.correspondence.emails import HeaderError
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.dates import format_datetime, london
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.forms import london_deadline
from consult.health.services import is_worker_running
from consult.issuing import queries, schedule, services
from consult.issuing.forms import (
    ChangeDeadlineForm,
    ChooseContactsForm,
    ChooseOrganisationForm,
    IssueForm,
    ResendLinkForm,
    WithdrawForm,
)
from consult.requests import partner_emails
from consult.requests import queries as requests
from consult.requests.models import RecipientLink

bp = Blueprint("issuing", __name__)


def _send_now():
    """Ask the worker to start sending what was just committed (the sweep does it anyway)."""
    queue.enqueue(queue.SWEEP_OUTBOX)


@bp.route("/consultations/<int:consultation_id>/issue", methods=["GET", "POST"])
@officers_only
def issue(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state != "draft":
        flash("This consultation has already been issued.", "info")
        return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
    form = IssueForm()
    problems = readiness_problems(consultation)
    if form.validate_on_submit() and not problems:
        try:
            invitations = services.issue(
                consultation, by=current_user, invitations_now=services.INVITATIONS_PER_CHUNK
            )
            db.session.commit()
        except (services.AlreadyIssued, IntegrityError):
            db.session.rollback()
            flash("This consultation has already been issued.", "info")
            return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
        if consultation.invitations_prepared_at is None:
            # The worker stores the rest; if the broker is down, its sweep asks again.
            queue.enqueue(queue.PREPARE_INVITATIONS, consultation.id)
        _send_now()
        flash(f"Issued. {invitations} invitations are on their way.", "success")
        return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
    status = 400 if form.is_submitted() else 200
    recipients, organisations = queries.fetch_recipients_page(
        consultation.id, page=1, per_page=CHECK_ANSWERS_ORGANISATIONS
    )
    letter_link = _first_link_with_email(recipients)
    letter, letter_problem = _letter_for(letter_link)
    return render_template(
        "issuing/issue.html",
        consultation=consultation,
        form=form,
        problems=[{"text": p.text, "href": _fix_url(consultation, p.part)} for p in problems],
        summary=queries.fetch_issue_summary(consultation.id),
        recipients=recipients,
        organisations=organisations,
        reminders=schedule.planned_reminders(consultation),
        letter_link=letter_link,
        letter=letter,
        letter_problem=letter_problem,
    ), status


# The check-answers page lists this many organisations; the rest are on the recipients page.
CHECK_ANSWERS_ORGANISATIONS = 20


def _first_link_with_email(recipients):
    """The first recipient whose letter the check-answers page shows."""
    for request_, _organisation, _sector in recipients:
        for link in request_.links:
            if link.contact.email:
                return link
    return None


def _letter_for(link):
    """(the invitation as ``link`` would get it, or None; the reason it cannot be made)."""
    if link is None:
        return None, None
    try:
        # The same placeholder the stored invitation holds until the token goes in.
        link_url = partner_emails.partner_link_url(LINK_PLACEHOLDER)
        return partner_emails.invitation(link, link_url=link_url), None
    except (LetterError, HeaderError) as error:
        return None, str(error)


# Where each part of a draft is fixed (the parts of readiness problems).
FIX_ENDPOINTS = {
    "details": "consultations.details",
    "deadline": "consultations.deadline",
    "options": "consultations.options",
    "letter": "consultations.letter",
    "recipients": "recipients.index",
}


def _fix_url(consultation, part):
    """The page where an officer fixes this part of a draft."""
    return url_for(FIX_ENDPOINTS[part], consultation_id=consultation.id)


@bp.route("/consultations/<int:consultation_id>/send-out")
@signed_in
def send_out(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    counts = _send_out_counts(consultation)
    return render_template(
        "issuing/send_out.html",
        consultation=consultation,
        counts=counts,
        problems=correspondence.fetch_delivery_problems(consultation.id),
        worker_stopped=bool(counts["waiting"]) and not is_worker_running(),
    )


@bp.route("/consultations/<int:consultation_id>/send-out.json")
@signed_in
def send_out_progress(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    return jsonify(_send_out_counts(consultation))


def _send_out_counts(consultation):
    """The invitations by status, with those the worker has still to store counted as
    "preparing" (and as waiting)."""
    counts = correspondence.fetch_send_out(consultation.id)
    counts["preparing"] = queries.count_invitations_to_prepare(consultation)
    counts["total"] += counts["preparing"]
    counts["waiting"] += counts["preparing"]
    return counts


@bp.route("/links/<int:link_id>/resend", methods=["POST"])
@officers_only
def resend_link(link_id):
    link = db.get_or_404(RecipientLink, link_id)
    form = ResendLinkForm()
    back = url_for("review.request_detail", request_id=link.request_id)
    if not form.validate_on_submit():
        flash("The page was out of date. Check the link's state and try again.", "info")
        return redirect(back)
    try:
        services.resend_link(link, by=current_user, tokens_seen=form.tokens_seen.data)
        db.session.commit()
    except services.IssuingError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(back)
    _send_now()
    flash(
        f"A new link is on its way to {link.contact.name}. The old one no longer works.", "success"
    )
    return redirect(back)


@bp.route("/requests/<int:request_id>/withdraw", methods=["GET", "POST"])
@officers_only
def withdraw(request_id):
    request = requests.get_request_with_links(request_id) or abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(request, by=current_user, reason=form.reason.data or "")
            db.session.commit()
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
            return redirect(url_for("review.request_detail", request_id=request.id))
        flash(
            f"The request to {request.organisation.name} is withdrawn. Its links no longer "
            "work and nothing more will be sent.",
            "success",
        )
        return redirect(url_for("review.request_detail", request_id=request.id))
    status = 400 if form.errors else 200
    return render_template("issuing/withdraw.html", request=request, form=form), status


@bp.route("/consultations/<int:consultation_id>/add-recipient", methods=["GET", "POST"])
@officers_only
def add_recipient(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state != "open":
        flash("Recipients can be added after issue only while the consultation is open.", "info")
        return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
    form = ChooseOrganisationForm()
    form.organisation.choices = [(0, "Choose an organisation")] + [
        (row.id, row.name) for row in queries.fetch_organisations_to_add(consultation.id)
    ]
    if form.validate_on_submit() and form.organisation.data:
        return redirect(
            url_for(
                "issuing.add_contacts",
                consultation_id=consultation.id,
                organisation_id=form.organisation.data,
            )
        )
    if form.is_submitted() and not form.errors:
        form.organisation.errors = ["Choose an organisation"]
    status = 400 if form.errors else 200
    return render_template(
        "issuing/add_recipient.html", consultation=consultation, form=form
    ), status


@bp.route(
    "/consultations/<int:consultation_id>/add-recipient/<int:organisation_id>",
    methods=["GET", "POST"],
)
@officers_only
def add_contacts(consultation_id, organisation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    organisation = db.get_or_404(Organisation, organisation_id)
    form = ChooseContactsForm()
    contacts = [contact for contact in organisation.contacts if contact.email]
    form.contacts.choices = [(c.id, f"{c.name}, {c.role}" if c.role else c.name) for c in contacts]
    if form.validate_on_submit():
        chosen = [db.session.get(Contact, contact_id) for contact_id in form.contacts.data]
        try:
            request, added = services.add_recipient_after_issue(
                consultation, organisation, chosen, by=current_user
            )
            db.session.commit()
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
            return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
        _send_now()
        if added:
            flash(f"Invitations are on their way to {', '.join(c.name for c in added)}.", "success")
        else:
            flash("Everyone chosen already has a link: nothing more was sent.", "info")
        return redirect(url_for("review.request_detail", request_id=request.id))
    status = 400 if form.errors else 200
    return render_template(
        "issuing/add_contacts.html",
        consultation=consultation,
        organisation=organisation,
        form=form,
        without_email=[c for c in organisation.contacts if not c.email],
    ), status


@bp.route("/consultations/<int:consultation_id>/deadline", methods=["GET", "POST"])
@officers_only
def change_deadline(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state != "open":
        flash("The deadline can be changed here only while the consultation is open.", "info")
        return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
    form = ChangeDeadlineForm()
    if request.method == "GET" and consultation.deadline_at:
        current = london(consultation.deadline_at)
        form.deadline.data = current.date()
        form.deadline_time.data = f"{current.hour:02d}:{current.minute:02d}"
    if form.validate_on_submit():
        new_deadline = london_deadline(form.deadline.data, form.deadline_time.data)
        try:
            told = services.change_deadline(
                consultation, new_deadline, by=current_user, tell_partners=form.tell_partners.data
            )
            db.session.commit()
        except services.IssuingError as error:
            db.session.rollback()
            form.deadline.errors = [str(error)]
        else:
            if told:
                _send_now()
            flash(
                f"The deadline is now {format_datetime(new_deadline)}."
                + (f" {told} partners are being told." if told else ""),
                "success",
            )
            return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
    if form.deadline.errors and form.deadline.errors[0] == "Not a valid date value.":
        form.deadline.errors = ["Enter a real date, for example 7 4 2017"]
    status = 400 if form.errors else 200
    return render_template(
        "issuing/change_deadline.html", consultation=consultation, form=form
    ), status
