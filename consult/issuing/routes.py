"""Issuing a consultation, following the send-out, and an officer's actions on a request."""

from math import ceil

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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.auth.access import roles_required, signed_in
from consult.consultations.models import Consultation
from consult.correspondence import queries as correspondence
from consult.dates import format_datetime, london
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.forms import london_deadline
from consult.health.services import is_worker_running
from consult.issuing import queries, services
from consult.issuing.forms import (
    ChangeDeadlineForm,
    ChooseContactsForm,
    ChooseOrganisationForm,
    ChooseSectorForm,
    IssueForm,
    RemoveRecipientForm,
    ResendLinkForm,
    WithdrawForm,
)
from consult.issuing.models import RecipientLink, Request
from consult.queue import enqueue
from consult.review import queries as review
from consult.review.versions import changes as version_changes

bp = Blueprint("issuing", __name__)
OFFICERS = ("officer", "admin")
SWEEP = "consult.correspondence.sweep_outbox"


def _send_now():
    """Ask the worker to start sending what was just committed (the sweep does it anyway)."""
    enqueue(SWEEP)


@bp.route("/consultations/<int:consultation_id>/issue", methods=["GET", "POST"])
@roles_required(*OFFICERS)
def issue(consultation_id):
    from consult.consultations.readiness import readiness_problems

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
            enqueue("consult.issuing.prepare_invitations", consultation.id)
        _send_now()
        flash(f"Issued. {invitations} invitations are on their way.", "success")
        return redirect(url_for("issuing.send_out", consultation_id=consultation.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "issuing/issue.html",
        consultation=consultation,
        form=form,
        problems=[{"text": p.text, "href": _fix_url(consultation, p.part)} for p in problems],
        summary=queries.fetch_issue_summary(consultation.id),
    ), status


# Where each part of a draft is fixed (the parts of readiness problems).
FIX_ENDPOINTS = {
    "details": "consultations.details",
    "deadline": "consultations.deadline",
    "options": "consultations.options",
    "letter": "consultations.letter",
    "recipients": "issuing.recipients",
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


@bp.route("/requests/<int:request_id>")
@signed_in
def request_detail(request_id):
    request = queries.get_request_with_links(request_id) or abort(404)
    versions = review.fetch_versions(request.id)
    return render_template(
        "issuing/request.html",
        request=request,
        consultation=request.consultation,
        token_counts=queries.fetch_token_counts(request.id),
        messages=correspondence.fetch_request_messages(request.id),
        resend_form=ResendLinkForm(),
        versions=versions,
        changes=version_changes(versions),
        events=review.fetch_audit_events(request.id),
    )


@bp.route("/links/<int:link_id>/resend", methods=["POST"])
@roles_required(*OFFICERS)
def resend_link(link_id):
    link = db.get_or_404(RecipientLink, link_id)
    form = ResendLinkForm()
    back = url_for("issuing.request_detail", request_id=link.request_id)
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
@roles_required(*OFFICERS)
def withdraw(request_id):
    request = queries.get_request_with_links(request_id) or abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(request, by=current_user, reason=form.reason.data or "")
            db.session.commit()
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
            return redirect(url_for("issuing.request_detail", request_id=request.id))
        flash(
            f"The request to {request.organisation.name} is withdrawn. Its links no longer "
            "work and nothing more will be sent.",
            "success",
        )
        return redirect(url_for("issuing.request_detail", request_id=request.id))
    status = 400 if form.errors else 200
    return render_template("issuing/withdraw.html", request=request, form=form), status


@bp.route("/consultations/<int:consultation_id>/add-recipient", methods=["GET", "POST"])
@roles_required(*OFFICERS)
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
@roles_required(*OFFICERS)
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
        return redirect(url_for("issuing.request_detail", request_id=request.id))
    status = 400 if form.errors else 200
    return render_template(
        "issuing/add_contacts.html",
        consultation=consultation,
        organisation=organisation,
        form=form,
        without_email=[c for c in organisation.contacts if not c.email],
    ), status


@bp.route("/consultations/<int:consultation_id>/deadline", methods=["GET", "POST"])
@roles_required(*OFFICERS)
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


# --- A draft's recipients ---------------------------------------------------------------------

RECIPIENTS_PER_PAGE = 50


@bp.route("/consultations/<int:consultation_id>/recipients")
@signed_in
def recipients(consultation_id):
    """Who a consultation goes to; while it is a draft, officers add and remove them."""
    consultation = db.get_or_404(Consultation, consultation_id)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = queries.fetch_recipients_page(
        consultation.id, page=page, per_page=RECIPIENTS_PER_PAGE
    )
    can_pick = consultation.state == "draft" and current_user.role in OFFICERS
    organisation_form = sector_form = None
    if can_pick:
        organisation_form = ChooseOrganisationForm()
        organisation_form.organisation.choices = _organisation_choices()
        sector_form = ChooseSectorForm()
        sector_form.sector.choices = _sector_choices()
    return render_template(
        "issuing/recipients.html",
        consultation=consultation,
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / RECIPIENTS_PER_PAGE), 1),
        summary=queries.fetch_issue_summary(consultation.id),
        can_pick=can_pick,
        organisation_form=organisation_form,
        sector_form=sector_form,
        remove_form=RemoveRecipientForm(),
    )


def _organisation_choices():
    return [(0, "Choose an organisation")] + [
        (row.id, row.name) for row in queries.fetch_organisation_choices()
    ]


def _sector_choices():
    from consult.directory.queries import fetch_sectors

    return [(0, "Choose a sector")] + [(sector.id, sector.name) for sector in fetch_sectors()]


def _draft_or_back(consultation):
    """None while the consultation is a draft; otherwise the redirect that says why not."""
    if consultation.state == "draft":
        return None
    flash("This consultation has been issued: add recipients from its send-out page.", "info")
    return redirect(url_for("issuing.recipients", consultation_id=consultation.id))


def _back_to_recipients(consultation):
    return redirect(url_for("issuing.recipients", consultation_id=consultation.id))


@bp.route("/consultations/<int:consultation_id>/recipients/organisation", methods=["POST"])
@roles_required(*OFFICERS)
def pick_organisation(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    form = ChooseOrganisationForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit() and form.organisation.data:
        return redirect(
            url_for(
                "issuing.pick_contacts",
                consultation_id=consultation.id,
                organisation_id=form.organisation.data,
            )
        )
    flash("Choose an organisation from the list.", "info")
    return _back_to_recipients(consultation)


@bp.route(
    "/consultations/<int:consultation_id>/recipients/organisation/<int:organisation_id>",
    methods=["GET", "POST"],
)
@roles_required(*OFFICERS)
def pick_contacts(consultation_id, organisation_id):
    """Choose which of an organisation's people a draft goes to."""
    consultation = db.get_or_404(Consultation, consultation_id)
    organisation = db.get_or_404(Organisation, organisation_id)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    if organisation.is_archived:
        flash(f"{organisation.name} is archived, so it cannot be sent a consultation.", "info")
        return _back_to_recipients(consultation)
    form = ChooseContactsForm()
    form.contacts.label.text = f"Who at {organisation.name} should receive it?"
    form.submit.label.text = "Add to the recipients"
    reachable = [contact for contact in organisation.contacts if contact.email]
    form.contacts.choices = [(c.id, f"{c.name}, {c.role}" if c.role else c.name) for c in reachable]
    if request.method == "GET":
        form.contacts.data = [contact.id for contact in reachable]
    if form.validate_on_submit():
        chosen = [contact for contact in reachable if contact.id in set(form.contacts.data)]
        _organisations, added = services.add_recipients(consultation, chosen)
        db.session.commit()
        flash(
            f"{organisation.name} is a recipient: {added} more "
            f"{'person' if added == 1 else 'people'} added.",
            "success",
        )
        return _back_to_recipients(consultation)
    status = 400 if form.errors else 200
    return render_template(
        "issuing/pick_contacts.html",
        consultation=consultation,
        organisation=organisation,
        form=form,
        without_email=[c for c in organisation.contacts if not c.email],
    ), status


@bp.route("/consultations/<int:consultation_id>/recipients/sector", methods=["POST"])
@roles_required(*OFFICERS)
def pick_sector(consultation_id):
    """Send a draft to every organisation in a sector, and everyone there with an email."""
    from consult.directory.models import Sector

    consultation = db.get_or_404(Consultation, consultation_id)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    form = ChooseSectorForm()
    form.sector.choices = _sector_choices()
    sector = db.session.get(Sector, form.sector.data) if form.validate_on_submit() else None
    if sector is None:
        flash("Choose a sector from the list.", "info")
        return _back_to_recipients(consultation)
    organisations, people, unreachable = services.add_sector_recipients(consultation, sector)
    db.session.commit()
    message = f"{sector.name}: {organisations} more organisations and {people} more people added."
    if unreachable:
        named = ", ".join(unreachable[:20]) + (" and others" if len(unreachable) > 20 else "")
        message += (
            f" {len(unreachable)} have nobody with an email address and will not be sent "
            f"anything: {named}."
        )
    flash(message, "success")
    return _back_to_recipients(consultation)


@bp.route("/consultations/<int:consultation_id>/recipients/people", methods=["GET", "POST"])
@roles_required(*OFFICERS)
def pick_people(consultation_id):
    """Find people in the directory by name or email and add them to a draft."""
    consultation = db.get_or_404(Consultation, consultation_id)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    if request.method == "POST":
        form = RemoveRecipientForm()  # only its CSRF token is wanted
        ids = {int(value) for value in request.form.getlist("contacts") if value.isdigit()}
        if form.validate_on_submit() and ids:
            contacts = db.session.scalars(select(Contact).where(Contact.id.in_(ids))).all()
            organisations, people = services.add_recipients(consultation, contacts)
            db.session.commit()
            flash(f"{people} more people added, at {organisations} more organisations.", "success")
            return _back_to_recipients(consultation)
        flash("Tick at least one person to add.", "info")
        return redirect(url_for("issuing.pick_people", consultation_id=consultation.id))
    search = request.args.get("q", "")[:200]
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = queries.search_contacts(search, page=page) if search.strip() else ([], 0)
    return render_template(
        "issuing/pick_people.html",
        consultation=consultation,
        search=search,
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / 25), 1),
        form=RemoveRecipientForm(),
    )


@bp.route(
    "/consultations/<int:consultation_id>/recipients/<int:request_id>/remove", methods=["POST"]
)
@roles_required(*OFFICERS)
def remove_recipient(consultation_id, request_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    request_ = db.get_or_404(Request, request_id)
    if request_.consultation_id != consultation.id:
        abort(404)
    if RemoveRecipientForm().validate_on_submit():
        name = request_.organisation.name
        try:
            services.remove_recipient(request_)
            db.session.commit()
            flash(f"{name} is no longer a recipient.", "success")
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
    return _back_to_recipients(consultation)


@bp.route("/links/<int:link_id>/remove", methods=["POST"])
@roles_required(*OFFICERS)
def remove_recipient_contact(link_id):
    link = db.get_or_404(RecipientLink, link_id)
    consultation = link.request.consultation
    if RemoveRecipientForm().validate_on_submit():
        name = link.contact.name
        try:
            services.remove_recipient_contact(link)
            db.session.commit()
            flash(f"{name} is no longer a recipient.", "success")
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
    return _back_to_recipients(consultation)


@bp.route("/consultations/<int:consultation_id>/preview")
@signed_in
def preview(consultation_id):
    """The letter and invitation as one recipient would get them, built the way they are
    sent, but with nothing stored and no link made."""
    from consult.consultations.letters import LetterError
    from consult.correspondence import emails
    from consult.correspondence.models import LINK_PLACEHOLDER

    consultation = db.get_or_404(Consultation, consultation_id)
    choices = queries.fetch_preview_links(consultation.id)
    link = None
    if "recipient" in request.args:
        link = db.session.get(RecipientLink, request.args.get("recipient", type=int) or 0)
        if link is None or link.request.consultation_id != consultation.id:
            abort(404)
    elif choices:
        link = db.session.get(RecipientLink, choices[0].id)
    email, problem = None, None
    if link is not None:
        try:
            # The same placeholder the stored invitation holds until the token goes in.
            email = emails.invitation(link, link_url=emails.partner_link_url(LINK_PLACEHOLDER))
        except (LetterError, emails.HeaderError) as error:
            problem = str(error)
    return render_template(
        "issuing/preview.html",
        consultation=consultation,
        choices=choices,
        link=link,
        email=email,
        problem=problem,
        placeholder=LINK_PLACEHOLDER,
    )
