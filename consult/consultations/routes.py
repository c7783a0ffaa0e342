"""Consultations: the list, each one's page, and drafting one up to issue."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.access import OFFICERS, officers_only, public, signed_in
from consult.consultations import queries, services
from consult.consultations.checklist import draft_checklist
from consult.consultations.forms import (
    CloseForm,
    ConfirmForm,
    CriterionForm,
    DeadlineForm,
    DetailsForm,
    DocumentForm,
    LetterForm,
    MoveForm,
    OptionForm,
)
from consult.consultations.letters import (
    MERGE_FIELDS,
    STARTER_LETTER,
    LetterError,
    fill_in_letter,
    letter_problems,
)
from consult.consultations.models import Consultation, Criterion, Document, Option
from consult.consultations.ranking import shared_ranks
from consult.consultations.readiness import readiness_problems
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.dates import london
from consult.db import utcnow
from consult.extensions import db
from consult.files.services import PAPER_KINDS, UploadError, send_stored_file, store_upload
from consult.forms import london_deadline
from consult.issuing import queries as issuing_queries
from consult.paging import as_id
from consult.requests.models import RecipientLink
from consult.requests.partner_emails import partner_link_url

bp = Blueprint("consultations", __name__)


@bp.route("/")
@public
def home():
    return redirect(url_for("consultations.index"))


@bp.route("/consultations")
@signed_in
def index():
    return render_template(
        "consultations/index.html",
        consultations=queries.fetch_consultation_summaries(),
    )


@bp.route("/consultations/new", methods=["GET", "POST"])
@officers_only
def new():
    form = DetailsForm()
    if form.validate_on_submit():
        try:
            consultation = services.create_consultation(created_by=current_user, **_details(form))
            db.session.commit()
        except services.ConsultationError as error:
            db.session.rollback()
            form.reference.errors = [str(error)]
        else:
            flash("The draft is saved. Now set its deadline and reminders.", "success")
            return redirect(url_for("consultations.deadline", consultation_id=consultation.id))
    return render_template(
        "consultations/details.html", form=form, consultation=None
    ), 400 if form.errors else 200


@bp.route("/consultations/<int:consultation_id>")
@signed_in
def detail(consultation_id):
    consultation = queries.get_consultation_for_page(consultation_id) or abort(404)
    checklist, problems = None, []
    if consultation.state == "draft":
        problems = readiness_problems(consultation)
        checklist = draft_checklist(
            consultation,
            queries.fetch_draft_progress(consultation),
            problems,
            can_edit=current_user.role in OFFICERS,
        )
    reader_view = consultation.state == "draft" and current_user.role not in OFFICERS
    issued = consultation.state != "draft"
    return render_template(
        "consultations/detail.html",
        consultation=consultation,
        checklist=checklist,
        problems=problems,
        copy_form=ConfirmForm(),
        ranking=queries.fetch_option_ranking(consultation.id) if reader_view else [],
        counts=queries.fetch_request_counts(consultation) if issued else None,
        undelivered=queries.fetch_undelivered_counts(consultation.id) if issued else None,
    )


def draft_only(view):
    """A page that changes a draft: an issued consultation is sent back to its own page."""

    @wraps(view)
    def wrapped(consultation, *args, **kwargs):
        if consultation.state != "draft":
            flash("This consultation has been issued, so its draft can no longer change.", "info")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
        return view(consultation, *args, **kwargs)

    return wrapped


def _consultation(view):
    """Look up ``consultation_id`` (404 if unknown) and pass the consultation."""

    @wraps(view)
    def wrapped(consultation_id):
        return view(db.get_or_404(Consultation, consultation_id))

    return wrapped


def _details(form):
    return {
        "title": form.title.data,
        "reference": form.reference.data,
        "summary": (form.summary.data or "").strip(),
        "question": form.question.data.strip(),
        "signatory": (form.signatory.data or "").strip(),
    }


@bp.route("/consultations/<int:consultation_id>/details", methods=["GET", "POST"])
@officers_only
@_consultation
@draft_only
def details(consultation):
    form = DetailsForm(obj=consultation)
    if form.validate_on_submit():
        try:
            services.update_details(consultation, by=current_user, **_details(form))
            db.session.commit()
        except services.ConsultationError as error:
            db.session.rollback()
            form.reference.errors = [str(error)]
        else:
            flash("Saved.", "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template(
        "consultations/details.html", form=form, consultation=consultation
    ), 400 if form.errors else 200


@bp.route("/consultations/<int:consultation_id>/deadline-and-reminders", methods=["GET", "POST"])
@officers_only
@_consultation
@draft_only
def deadline(consultation):
    form = DeadlineForm()
    if request.method == "GET":
        _fill_deadline_form(form, consultation)
    if form.validate_on_submit():
        deadline_at = london_deadline(form.deadline.data, form.deadline_time.data)
        if deadline_at <= utcnow():
            form.deadline.errors = ["The deadline must be in the future"]
        else:
            services.update_details(
                consultation,
                by=current_user,
                deadline_at=deadline_at,
                accepts_late_replies=form.accepts_late_replies.data == "yes",
                reminder_offsets_days=form.reminder_offsets(),
                auto_close_days=form.auto_close_days.data,
                retention_days=form.retention_days.data,
            )
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    if form.deadline.errors and form.deadline.errors[0] == "Not a valid date value.":
        form.deadline.errors = ["Enter a real date, for example 7 4 2017"]
    return render_template(
        "consultations/deadline.html", form=form, consultation=consultation
    ), 400 if form.errors else 200


def _fill_deadline_form(form, consultation):
    if consultation.deadline_at:
        current = london(consultation.deadline_at)
        form.deadline.data = current.date()
        form.deadline_time.data = f"{current.hour:02d}:{current.minute:02d}"
    form.accepts_late_replies.data = "yes" if consultation.accepts_late_replies else "no"
    offsets = consultation.reminder_offsets_days or []
    form.reminders_before.data = ", ".join(str(-day) for day in sorted(offsets) if day < 0)
    form.reminders_after.data = ", ".join(str(day) for day in sorted(offsets) if day > 0)
    form.auto_close_days.data = consultation.auto_close_days
    form.retention_days.data = consultation.retention_days
    if consultation.retention_days not in dict(form.retention_days.choices):
        form.retention_days.choices.append(
            (consultation.retention_days, f"{consultation.retention_days} days")
        )


# --- Options -------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/options", methods=["GET", "POST"])
@officers_only
@_consultation
@draft_only
def options(consultation):
    form = OptionForm()
    if form.validate_on_submit():
        services.add_option(
            consultation,
            name=form.name.data,
            description=(form.description.data or "").strip(),
            is_preferred=form.is_preferred.data,
        )
        db.session.commit()
        flash(f"{form.name.data.strip()} is added.", "success")
        return redirect(url_for("consultations.options", consultation_id=consultation.id))
    return render_template(
        "consultations/options.html",
        consultation=consultation,
        form=form,
        action_form=MoveForm(),
    ), 400 if form.errors else 200


def _option(view):
    """Look up ``option_id`` (404 if unknown); an issued consultation's options are fixed."""

    @wraps(view)
    def wrapped(option_id):
        option = db.get_or_404(Option, option_id)
        return draft_only(lambda consultation: view(option))(option.consultation)

    return wrapped


def _back_to_options(option):
    return redirect(url_for("consultations.options", consultation_id=option.consultation_id))


@bp.route("/options/<int:option_id>/edit", methods=["GET", "POST"])
@officers_only
@_option
def edit_option(option):
    form = OptionForm(obj=option)
    form.submit.label.text = "Save"
    if form.validate_on_submit():
        services.update_option(option, name=form.name.data, description=form.description.data or "")
        if form.is_preferred.data and not option.is_preferred:
            services.set_preferred(option)
        db.session.commit()
        flash("Saved.", "success")
        return _back_to_options(option)
    return render_template(
        "consultations/option_form.html", form=form, option=option
    ), 400 if form.errors else 200


@bp.route("/options/<int:option_id>/preferred", methods=["POST"])
@officers_only
@_option
def prefer_option(option):
    if ConfirmForm().validate_on_submit():
        services.set_preferred(option)
        db.session.commit()
        flash(f"{option.name} is now the preferred option.", "success")
    return _back_to_options(option)


@bp.route("/options/<int:option_id>/move", methods=["POST"])
@officers_only
@_option
def move_option(option):
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_option(option, form.step)
    db.session.commit()
    return _back_to_options(option)


@bp.route("/options/<int:option_id>/remove", methods=["GET", "POST"])
@officers_only
@_option
def remove_option(option):
    """Asks first (GOV.UK's confirmation page); removes on "Yes, remove"."""
    if ConfirmForm().validate_on_submit():
        services.remove_option(option)
        db.session.commit()
        flash(f"{option.name} is removed.", "success")
        return _back_to_options(option)
    consequences = []
    if option.scores:
        consequences.append("Its scores in the appraisal are removed too.")
    if option.is_preferred:
        consequences.append(
            "It is the preferred option: mark another option as preferred before you issue."
        )
    return render_template(
        "confirm_removal.html",
        thing=f"the option {option.name}",
        caption=option.consultation.title,
        consequences=consequences,
        back=url_for("consultations.options", consultation_id=option.consultation_id),
    )


# --- The appraisal ---------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/appraisal", methods=["GET", "POST"])
@officers_only
@_consultation
@draft_only
def appraisal(consultation):
    """The criteria and the matrix of scores. Totals and ranking are computed."""
    criterion_form = CriterionForm()
    score_errors, entered = [], {}
    if request.method == "POST" and "scores" in request.form:
        entered, score_errors = _read_scores(consultation)
        if not score_errors and ConfirmForm().validate_on_submit():
            services.set_scores(consultation, entered)
            db.session.commit()
            flash("The scores are saved.", "success")
            return redirect(url_for("consultations.appraisal", consultation_id=consultation.id))
    elif criterion_form.validate_on_submit():
        services.add_criterion(consultation, criterion_form.name.data)
        db.session.commit()
        flash(f"{criterion_form.name.data.strip()} is added.", "success")
        return redirect(url_for("consultations.appraisal", consultation_id=consultation.id))
    failed = bool(score_errors or criterion_form.errors)
    ranking = queries.fetch_option_ranking(consultation.id)
    return render_template(
        "consultations/appraisal.html",
        consultation=consultation,
        form=criterion_form,
        action_form=MoveForm(),
        scores=queries.fetch_scores(consultation.id),
        entered={f"score-{o}-{c}": v for (o, c), v in entered.items()} if failed else None,
        score_errors=score_errors,
        ranking=ranking,
        ranks=shared_ranks(total for _option, total in ranking),
    ), 400 if failed else 200


def _read_scores(consultation):
    """The matrix as posted: {(option_id, criterion_id): 0..5 or None}, and the errors,
    each with the id of the cell it is about."""
    entered, errors = {}, []
    for option in consultation.options:
        for criterion in consultation.criteria:
            name = f"score-{option.id}-{criterion.id}"
            raw = request.form.get(name, "").strip()
            if raw == "":
                entered[(option.id, criterion.id)] = None
            elif raw.isdigit() and 0 <= int(raw) <= 5:
                entered[(option.id, criterion.id)] = int(raw)
            else:
                entered[(option.id, criterion.id)] = raw[:10]
                errors.append(
                    {
                        "text": f"Score {option.name} on {criterion.name} from 0 to 5",
                        "href": f"#{name}",
                    }
                )
    return entered, errors


def _criterion(view):
    @wraps(view)
    def wrapped(criterion_id):
        criterion = db.get_or_404(Criterion, criterion_id)
        return draft_only(lambda consultation: view(criterion))(criterion.consultation)

    return wrapped


def _back_to_appraisal(criterion):
    return redirect(url_for("consultations.appraisal", consultation_id=criterion.consultation_id))


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@officers_only
@_criterion
def edit_criterion(criterion):
    form = CriterionForm(obj=criterion)
    form.submit.label.text = "Save"
    if form.validate_on_submit():
        services.update_criterion(criterion, form.name.data)
        db.session.commit()
        flash("Saved.", "success")
        return _back_to_appraisal(criterion)
    return render_template(
        "consultations/criterion_form.html", form=form, criterion=criterion
    ), 400 if form.errors else 200


@bp.route("/criteria/<int:criterion_id>/move", methods=["POST"])
@officers_only
@_criterion
def move_criterion(criterion):
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_criterion(criterion, form.step)
    db.session.commit()
    return _back_to_appraisal(criterion)


@bp.route("/criteria/<int:criterion_id>/remove", methods=["GET", "POST"])
@officers_only
@_criterion
def remove_criterion(criterion):
    """Asks first (GOV.UK's confirmation page); removes on "Yes, remove"."""
    if ConfirmForm().validate_on_submit():
        services.remove_criterion(criterion)
        db.session.commit()
        flash(f"{criterion.name} and its scores are removed.", "success")
        return _back_to_appraisal(criterion)
    return render_template(
        "confirm_removal.html",
        thing=f"the criterion {criterion.name}",
        caption=criterion.consultation.title,
        consequences=["Every option's score on it is removed too."],
        back=url_for("consultations.appraisal", consultation_id=criterion.consultation_id),
    )


# --- The letter ------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/letter", methods=["GET", "POST"])
@officers_only
@_consultation
@draft_only
def letter(consultation):
    """The letter, its merge fields in plain English, and beside it the letter filled in
    for any recipient. "Preview" fills in the letter as written and saves nothing; "Save
    the letter" keeps it if it has no mistake. Every mistake is named with its line."""
    form = LetterForm()
    recipients = issuing_queries.fetch_preview_links(consultation.id)
    chosen = as_id(request.values.get("recipient"))
    first = recipients[0] if recipients else None
    recipient = next((r for r in recipients if r.id == chosen), first)
    if request.method == "GET":
        form.letter.data = consultation.letter or STARTER_LETTER
    if form.validate_on_submit():
        form.letter.errors = letter_problems(form.letter.data)
        if not form.letter.errors and not form.preview.data:
            try:
                services.save_letter(consultation, form.letter.data, by=current_user)
                db.session.commit()
            except services.ConsultationError as error:
                db.session.rollback()
                form.letter.errors = [str(error)]
            else:
                flash("The letter is saved.", "success")
                return redirect(url_for("consultations.letter", consultation_id=consultation.id))
    preview = None
    if recipient is not None and not form.errors:
        try:
            preview = _letter_for(consultation, form.letter.data, recipient.id)
        except LetterError as error:
            form.letter.errors = [str(error)]
    return render_template(
        "consultations/letter.html",
        consultation=consultation,
        form=form,
        merge_fields=MERGE_FIELDS,
        recipients=recipients,
        recipient=recipient,
        preview=preview,
        is_saved=form.letter.data == consultation.letter,
    ), 400 if form.errors else 200


def _letter_for(consultation, text, link_id):
    """``text`` filled in for one recipient, with the placeholder their own link replaces."""
    link = db.session.get(RecipientLink, link_id)
    return fill_in_letter(
        consultation,
        text,
        contact_name=link.contact.name,
        contact_role=link.contact.role,
        organisation_name=link.request.organisation.name,
        link_url=partner_link_url(LINK_PLACEHOLDER),
    )


# --- Documents -------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/documents", methods=["GET", "POST"])
@officers_only
@_consultation
@draft_only
def documents(consultation):
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            stored = store_upload(form.upload.data, PAPER_KINDS)
            document = services.add_document(
                consultation, stored, title=form.title.data or "", by=current_user
            )
            db.session.commit()
        except UploadError as error:
            db.session.rollback()
            form.upload.errors = [str(error)]
        else:
            flash(f"{document.title} is attached.", "success")
            return redirect(url_for("consultations.documents", consultation_id=consultation.id))
    return render_template(
        "consultations/documents.html",
        consultation=consultation,
        form=form,
        remove_form=ConfirmForm(),
    ), 400 if form.errors else 200


@bp.route("/documents/<int:document_id>")
@signed_in
def document(document_id):
    """A paper of any consultation, for officers and scrutiny to read."""
    return send_stored_file(db.get_or_404(Document, document_id).stored_file)


@bp.route("/documents/<int:document_id>/remove", methods=["POST"])
@officers_only
def remove_document(document_id):
    document = db.get_or_404(Document, document_id)
    consultation = document.consultation
    if consultation.state != "draft":
        flash("An issued consultation's papers can no longer change.", "info")
    elif ConfirmForm().validate_on_submit():
        services.remove_document(document, by=current_user)
        db.session.commit()
        flash(f"{document.title} is removed.", "success")
    return redirect(url_for("consultations.documents", consultation_id=consultation.id))


# --- Closing ---------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/close", methods=["GET", "POST"])
@officers_only
@_consultation
def close(consultation):
    if consultation.state != "open":
        flash("Only an open consultation can be closed.", "info")
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    form = CloseForm()
    if form.validate_on_submit():
        services.close(consultation, by=current_user)
        db.session.commit()
        flash(
            "The consultation is closed. No more reminders will be sent. "
            "Next: consider the replies, then build the annex.",
            "success",
        )
        # Its page, which now leads on to considering the replies and the annex.
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template(
        "consultations/close.html",
        consultation=consultation,
        form=form,
        outstanding=queries.count_outstanding_requests(consultation.id),
    )


# --- Copying ---------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/copy", methods=["POST"])
@officers_only
@_consultation
def copy(consultation):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    new_draft = services.copy_consultation(consultation, by=current_user)
    db.session.commit()
    flash(
        f"This is a new draft copied from {consultation.reference}: give it its own title, "
        "reference and deadline.",
        "success",
    )
    return redirect(url_for("consultations.details", consultation_id=new_draft.id))
