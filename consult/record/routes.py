"""Officers key in replies that came by email, by post or at a meeting."""

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from consult.auth.access import officers_only
from consult.consultations.models import Consultation, Option
from consult.dates import LONDON
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.files.services import LETTER_KINDS, UploadError, store_upload
from consult.paging import as_id
from consult.record import services
from consult.record.forms import EmailReplyForm, RecordReplyForm
from consult.record.saved_emails import EmailFileError, read_email_file
from consult.requests.models import Request
from consult.respond.services import ResponseError

bp = Blueprint("record", __name__)


def _answerable(request_id):
    request = db.get_or_404(Request, request_id)
    if request.status in ("draft", "withdrawn") or request.consultation.state == "draft":
        abort(404)
    return request


def _option_choices(form, consultation):
    choices = [(0, "None")] + [
        (option.id, option.name) for option in consultation.options if not option.is_preferred
    ]
    form.alternative_option.choices = choices


def _alternative(form, consultation):
    """The other option chosen, or None; a form error when the stance needs one."""
    option = None
    if form.alternative_option.data:
        option = db.session.get(Option, form.alternative_option.data)
        if option is None or option.consultation_id != consultation.id:
            option = None
    if form.stance.data == "prefers_another_option" and option is None:
        form.alternative_option.errors = ["Choose the option they prefer instead"]
        return None, False
    return (option if form.stance.data == "prefers_another_option" else None), True


@bp.route("/requests/<int:request_id>/record-reply", methods=["GET", "POST"])
@officers_only
def record_reply(request_id):
    request = _answerable(request_id)
    consultation = request.consultation
    form = RecordReplyForm()
    _option_choices(form, consultation)
    if form.validate_on_submit():
        alternative, ok = _alternative(form, consultation)
        problem = services.received_date_problem(
            consultation, form.received_on.data, datetime.now(LONDON).date()
        )
        if problem:
            form.received_on.errors = [problem]
            ok = False
        upload = form.letter.data
        if ok:
            try:
                letter = (
                    store_upload(upload, LETTER_KINDS)
                    if upload is not None and getattr(upload, "filename", "")
                    else None
                )
                services.record_reply(
                    request,
                    by=current_user,
                    received_at=datetime.combine(form.received_on.data, time(12), tzinfo=LONDON),
                    channel=form.channel.data,
                    stance=form.stance.data,
                    alternative_option=alternative,
                    comments=form.comments.data or "",
                    responder_name=form.responder_name.data or "",
                    responder_role=form.responder_role.data or "",
                    publication=form.publication.data,
                    letter_file=letter,
                )
                db.session.commit()
            except UploadError as error:
                db.session.rollback()
                form.letter.errors = [str(error)]
            except ResponseError as error:
                db.session.rollback()
                form.stance.errors = [str(error)]
            else:
                flash(f"The reply from {request.organisation.name} is recorded.", "success")
                return redirect(url_for("review.request_detail", request_id=request.id))
    return render_template(
        "record/reply.html", form=form, request=request, consultation=consultation
    ), 400 if form.errors else 200


def _email_page(form, consultation, request, status=200):
    return render_template(
        "record/email.html", form=form, consultation=consultation, request=request
    ), status


def _record_from_email(form, consultation, request):
    """Read the saved email, match it to a request and contact, and record it. Returns
    the request on success; otherwise sets form errors and returns None."""
    alternative, ok = _alternative(form, consultation)
    if not ok:
        return None
    try:
        received = read_email_file(form.email_file.data.read(10 * 1024 * 1024 + 1))
    except EmailFileError as error:
        form.email_file.errors = [str(error)]
        return None
    if received.sent_at is None:
        form.email_file.errors = ["The email has no date, so record the reply by hand"]
        return None
    matched_request, contact = services.match_sender(consultation, received.sender_address)
    if request is not None and matched_request is not None and matched_request.id != request.id:
        matched_request, contact = None, None
    chosen_by_hand = False
    if request is None and form.request_id.data:
        request = db.session.get(Request, form.request_id.data)
        if request is None or request.consultation_id != consultation.id:
            request = None
        chosen_by_hand = request is not None and request != matched_request
    request = request or matched_request
    if request is None:
        form.request_id.errors = [
            f"{received.sender_address} is not the address of any partner asked. Choose which "
            "organisation the email is from, then choose the email again."
        ]
        return None
    if form.contact_id.data:
        chosen = db.session.get(Contact, form.contact_id.data)
        contact = chosen if chosen in services.request_contacts(request) else contact
    if contact is None and not chosen_by_hand:
        form.contact_id.errors = [
            f"{received.sender_address} is not one of {request.organisation.name}'s contacts "
            "for this consultation. Choose who sent it, then choose the email again."
        ]
        return None
    try:
        letter = services.keep_first_letter(received.attachments)
        services.record_reply(
            request,
            by=current_user,
            received_at=received.sent_at,
            channel="email",
            stance=form.stance.data,
            alternative_option=alternative,
            comments=received.text or received.subject,
            responder_name=received.sender_name or (contact.name if contact else ""),
            responder_role=contact.role
            if contact is not None and contact.email == received.sender_address
            else "",
            publication=form.publication.data,
            letter_file=letter,
            contact=contact,
            source=(form.email_file.data.filename or "")[:200],
        )
    except ResponseError as error:
        db.session.rollback()
        form.stance.errors = [str(error)]
        return None
    db.session.commit()
    return request


def _contact_choices(form, request):
    people = services.request_contacts(request) if request is not None else []
    form.contact_id.choices = [(0, "Matched by the sender's address")] + [
        (contact.id, f"{contact.name} ({contact.email or 'no email'})") for contact in people
    ]


@bp.route("/requests/<int:request_id>/record-email", methods=["GET", "POST"])
@officers_only
def record_email(request_id):
    request = _answerable(request_id)
    consultation = request.consultation
    form = EmailReplyForm()
    _option_choices(form, consultation)
    _contact_choices(form, request)
    form.request_id.choices = [(request.id, request.organisation.name)]
    if form.validate_on_submit() and _record_from_email(form, consultation, request):
        flash(f"The email from {request.organisation.name} is recorded as its reply.", "success")
        return redirect(url_for("review.request_detail", request_id=request.id))
    return _email_page(form, consultation, request, 400 if form.errors else 200)


@bp.route("/consultations/<int:consultation_id>/record-email", methods=["GET", "POST"])
@officers_only
def record_consultation_email(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    form = EmailReplyForm()
    _option_choices(form, consultation)
    requests = db.session.execute(
        select(Request.id, Organisation.name)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(
            Request.consultation_id == consultation.id,
            Request.status.not_in(("draft", "withdrawn")),
        )
        .order_by(Organisation.name)
    ).all()
    form.request_id.choices = [(0, "Matched by the sender's address")] + [
        (request_id, name) for request_id, name in requests
    ]
    request_id = as_id(form.request_id.data)
    chosen = db.session.get(Request, request_id) if request_id else None
    _contact_choices(form, chosen if chosen and chosen.consultation_id == consultation.id else None)
    if form.validate_on_submit():
        request = _record_from_email(form, consultation, None)
        if request is not None:
            flash(
                f"The email from {request.organisation.name} is recorded as its reply.", "success"
            )
            return redirect(url_for("review.request_detail", request_id=request.id))
    return _email_page(form, consultation, None, 400 if form.errors else 200)
