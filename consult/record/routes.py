"""Officers key in replies that came by email, by post or at a meeting.

A saved email is dropped in two steps: the file (kept whole, for officers only), then a
check page that shows where the partner's words end and the quoted thread begins, which
the officer can move before only the partner's words are recorded.
"""

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from consult.auth.access import officers_only
from consult.consultations.models import Consultation, Option
from consult.dates import LONDON, format_datetime, london
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.files.services import LETTER_KINDS, UploadError, store_upload, stored_path
from consult.paging import as_id
from consult.record import quoted, services
from consult.record.forms import CheckEmailForm, EmailReplyForm, RecordReplyForm
from consult.record.saved_emails import MAX_EMAIL_BYTES, EmailFileError, read_email_file
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


# A saved email, step one: the file, matched to its request and sender


def _email_page(form, consultation, request, status=200):
    return render_template(
        "record/email.html", form=form, consultation=consultation, request=request
    ), status


def _take_email(form, consultation, request):
    """Read the saved email and match it to a request and contact; keep it whole. Returns
    (request, contact, stored file, email); otherwise sets form errors, keeps nothing and
    returns None."""
    data = form.email_file.data.read(MAX_EMAIL_BYTES + 1)
    try:
        received = read_email_file(data)
    except EmailFileError as error:
        form.email_file.errors = [str(error)]
        return None
    if received.sent_at is None:
        form.email_file.errors = ["The email has no date, so record the reply by hand"]
        return None
    problem = services.received_date_problem(
        consultation, london(received.sent_at).date(), datetime.now(LONDON).date()
    )
    if problem:
        sent = format_datetime(received.sent_at)
        form.email_file.errors = [f"The email was sent {sent}. {problem}"]
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
    stored = services.keep_saved_email(data, form.email_file.data.filename or "email")
    return request, contact, stored, received


def _contact_choices(form, request):
    people = services.request_contacts(request) if request is not None else []
    form.contact_id.choices = [(0, "Matched by the sender's address")] + [
        (contact.id, f"{contact.name} ({contact.email or 'no email'})") for contact in people
    ]


def _request_email_form(request, *, posted=True):
    form = EmailReplyForm() if posted else EmailReplyForm(formdata=None)
    _contact_choices(form, request)
    form.request_id.choices = [(request.id, request.organisation.name)]
    return form


def _taken(form, consultation, request):
    """Step one done: the email kept, then its check page; or the form with its errors."""
    taken = _take_email(form, consultation, request)
    if taken is None:
        return _email_page(form, consultation, request, 400)
    request, contact, stored, received = taken
    db.session.commit()
    check = CheckEmailForm(
        formdata=None,
        email=services.hold_email(stored, request, contact=contact, by=current_user),
    )
    _option_choices(check, request.consultation)
    split = quoted.split_reply(received.text, received.html)
    return _check_page(check, request, received, split, stored=stored, contact=contact)


@bp.route("/requests/<int:request_id>/record-email", methods=["GET", "POST"])
@officers_only
def record_email(request_id):
    request = _answerable(request_id)
    form = _request_email_form(request)
    if form.validate_on_submit():
        return _taken(form, request.consultation, request)
    return _email_page(form, request.consultation, request, 400 if form.errors else 200)


@bp.route("/consultations/<int:consultation_id>/record-email", methods=["GET", "POST"])
@officers_only
def record_consultation_email(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    form = EmailReplyForm()
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
        return _taken(form, consultation, None)
    return _email_page(form, consultation, None, 400 if form.errors else 200)


# Step two: the officer checks the split, then records the partner's words


def _check_page(form, request, received, split, *, stored, contact, status=200):
    """The check page: who sent the email and when, the partner's words and the quoted
    thread with their line numbers, and the answer to record."""
    end = len(split.lines) if split.split_at is None else split.split_at
    if not form.words_end.errors:
        form.words_end.data, form.words_end.raw_data = end, [str(end)]
    return render_template(
        "record/check_email.html",
        form=form,
        request=request,
        consultation=request.consultation,
        received=received,
        stored=stored,
        contact=contact,
        split=split,
        end=end,
        found_at=quoted.split_reply(received.text, received.html).split_at,
        link_line=services.partner_link_line(split.lines[:end]),
    ), status


def _officers_end(form, lines):
    """The line the officer says the partner's words end at, or None (with a form error)."""
    if form.words_end.errors:
        return None
    if form.words_end.data > len(lines):
        form.words_end.errors = [f"Enter a line number from 0 to {len(lines)}, the last line"]
        return None
    return form.words_end.data


@bp.route("/requests/<int:request_id>/record-email/check", methods=["POST"])
@officers_only
def check_email(request_id):
    request = _answerable(request_id)
    consultation = request.consultation
    form = CheckEmailForm()
    _option_choices(form, consultation)
    try:
        stored, contact = services.held_email(form.email.data, request, by=current_user)
        received = read_email_file(stored_path(stored).read_bytes())
    except services.HeldEmailError as error:
        return _choose_again(request, str(error))
    except (EmailFileError, OSError):
        return _choose_again(request, "The email could not be read again. Choose it again.")
    lines = quoted.lines_of(received.text)
    page = {"stored": stored, "contact": contact}

    if form.whole.data or form.update.data:  # only the split moves; nothing is recorded
        if form.whole.data:
            form.words_end.process_errors, form.words_end.data = [], len(lines)
        end = _officers_end(form, lines) if form.words_end.validate(form) else None
        if end is None:
            split = quoted.split_reply(received.text, received.html)
            return _check_page(form, request, received, split, status=400, **page)
        split = quoted.split_at_line(received.text, end)
        return _check_page(form, request, received, split, **page)

    answered = form.validate()
    end = _officers_end(form, lines)
    if end is None:
        split = quoted.split_reply(received.text, received.html)
        return _check_page(form, request, received, split, status=400, **page)
    split = quoted.split_at_line(received.text, end)
    link = services.partner_link_line(lines[:end])
    if link is not None:
        form.words_end.errors = [
            f"Line {link + 1} holds a link with a partner's secret token, so it is not the "
            f"partner's words: make their words end at line {link} or before"
        ]
        answered = False
    alternative, answered = _alternative(form, consultation) if answered else (None, False)
    if not answered:
        return _check_page(form, request, received, split, status=400, **page)
    try:
        services.record_reply(
            request,
            by=current_user,
            received_at=received.sent_at,
            channel="email",
            stance=form.stance.data,
            alternative_option=alternative,
            comments=split.words,
            responder_name=received.sender_name or (contact.name if contact else ""),
            responder_role=contact.role
            if contact is not None and contact.email == received.sender_address
            else "",
            publication=form.publication.data,
            letter_file=services.keep_first_letter(received.attachments),
            contact=contact,
            source=stored.original_filename,
            source_file=stored,
        )
    except ResponseError as error:
        db.session.rollback()
        form.stance.errors = [str(error)]
        return _check_page(form, request, received, split, status=400, **page)
    db.session.commit()
    flash(f"The email from {request.organisation.name} is recorded as its reply.", "success")
    return redirect(url_for("review.request_detail", request_id=request.id))


def _choose_again(request, problem):
    """Step one's page again, saying why the email on the check page cannot be recorded."""
    form = _request_email_form(request, posted=False)
    form.email_file.errors = [problem]
    return _email_page(form, request.consultation, request, 400)
