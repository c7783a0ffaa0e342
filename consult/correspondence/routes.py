"""The development mailbox: every email the app stores, readable in the browser.

Registered only when MAIL_BACKEND is "mailbox", so that a newcomer running Consult with no
mail server can still follow a partner's link from their invitation.
"""

from flask import Blueprint, abort, render_template, request

from consult.auth.access import signed_in
from consult.correspondence.queries import fetch_mailbox_page, get_message

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")


@bp.route("/")
@signed_in
def index():
    page = request.args.get("page", 1, type=int)
    return render_template("mailbox/index.html", messages=fetch_mailbox_page(max(page, 1)))


@bp.route("/<int:message_id>")
@signed_in
def message(message_id):
    message = get_message(message_id) or abort(404)
    return render_template("mailbox/message.html", message=message)
