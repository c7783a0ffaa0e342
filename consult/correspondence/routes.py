"""The correspondence log, and the development mailbox.

The mailbox blueprint is registered only when MAIL_BACKEND is "mailbox", so that a
newcomer running Consult with no mail server can still follow a partner's link.
"""

from math import ceil

from flask import Blueprint, abort, current_app, render_template, request

from consult.auth.access import signed_in
from consult.consultations.models import Consultation
from consult.correspondence import queries
from consult.correspondence.mailbox import list_emails, read_email
from consult.correspondence.models import MESSAGE_STATES
from consult.extensions import db

bp = Blueprint("correspondence", __name__)
mailbox_bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")
PER_PAGE = 50


@bp.route("/consultations/<int:consultation_id>/correspondence")
@signed_in
def log(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    status = request.args.get("status")
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template(
        "correspondence/log.html",
        consultation=consultation,
        messages=queries.fetch_consultation_messages(consultation.id, page, status),
        status=status if status in MESSAGE_STATES else None,
        states=MESSAGE_STATES,
    )


@bp.route("/messages/<int:message_id>")
@signed_in
def message(message_id):
    message = queries.get_message(message_id) or abort(404)
    return render_template("correspondence/message.html", message=message)


@mailbox_bp.route("/")
@signed_in
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    emails, total = list_emails(current_app.config["MAILBOX_DIR"], page, PER_PAGE)
    return render_template(
        "mailbox/index.html", emails=emails, page=page, pages=max(ceil(total / PER_PAGE), 1)
    )


@mailbox_bp.route("/<name>")
@signed_in
def email(name):
    email = read_email(current_app.config["MAILBOX_DIR"], name) or abort(404)
    return render_template("mailbox/email.html", email=email)
