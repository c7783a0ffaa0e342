"""The correspondence log: every email of a consultation, and each one's delivery."""

from flask import Blueprint, abort, render_template, request

from consult.auth.access import signed_in
from consult.consultations.models import Consultation
from consult.correspondence import queries
from consult.correspondence.models import MESSAGE_STATES
from consult.extensions import db
from consult.paging import requested_page

bp = Blueprint("correspondence", __name__)


@bp.route("/consultations/<int:consultation_id>/correspondence")
@signed_in
def log(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    status = request.args.get("status")
    page = requested_page()
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
