"""The development mailbox: every email "sent" with MAIL_BACKEND=mailbox, to read.

Registered only when MAIL_BACKEND is "mailbox", so that a newcomer running Consult with
no mail server can still follow a partner's link from their invitation.
"""

from math import ceil

from flask import Blueprint, abort, current_app, render_template

from consult.auth.access import officers_only
from consult.mailbox.reader import list_emails, read_email
from consult.paging import requested_page

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")
PER_PAGE = 50


@bp.route("/")
@officers_only
def index():
    page = requested_page()
    emails, total = list_emails(current_app.config["MAILBOX_DIR"], page, PER_PAGE)
    return render_template(
        "mailbox/index.html", emails=emails, page=page, pages=max(ceil(total / PER_PAGE), 1)
    )


@bp.route("/<name>")
@officers_only
def email(name):
    email = read_email(current_app.config["MAILBOX_DIR"], name) or abort(404)
    return render_template("mailbox/email.html", email=email)
