"""The development mailbox: every email "sent" with MAIL_BACKEND=mailbox, to read.

Registered only when MAIL_BACKEND is "mailbox", so that a newcomer running Consult with
no mail server can still follow a partner's link from their invitation.
"""

from math import ceil

from flask import Blueprint, abort, current_app, render_template, request

from consult.auth.access import signed_in
from consult.mailbox.reader import list_emails, read_email

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")
PER_PAGE = 50


@bp.route("/")
@signed_in
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    emails, total = list_emails(current_app.config["MAILBOX_DIR"], page, PER_PAGE)
    return render_template(
        "mailbox/index.html", emails=emails, page=page, pages=max(ceil(total / PER_PAGE), 1)
    )


@bp.route("/<name>")
@signed_in
def email(name):
    email = read_email(current_app.config["MAILBOX_DIR"], name) or abort(404)
    return render_template("mailbox/email.html", email=email)
