"""The correspondence log: every email of a consultation, sent and received, in one thread
for each request, and each sent email's delivery."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, render_template, request

from consult.auth.access import signed_in
from consult.consultations.models import Consultation
from consult.correspondence import queries
from consult.correspondence.models import MESSAGE_STATES
from consult.extensions import db
from consult.inbox import queries as inbox
from consult.paging import requested_page
from consult.review.queries import fetch_thread_requests

bp = Blueprint("correspondence", __name__)


@dataclass(frozen=True)
class Entry:
    """One email in a thread: ``message`` sent by Consult, or ``arrival`` received."""

    at: datetime
    message: object = None
    arrival: object = None


def thread(messages, arrivals):
    """A request's sent and received emails together, in time order: a sent email when it
    went (or was stored, if it has not gone), a received one when it arrived."""
    entries = [Entry(m.sent_at or m.created_at, message=m) for m in messages]
    entries += [Entry(arrival.received_at, arrival=arrival) for arrival in arrivals]
    return sorted(entries, key=lambda entry: (entry.at, entry.arrival is not None))


@bp.route("/consultations/<int:consultation_id>/correspondence")
@signed_in
def log(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    status = request.args.get("status")
    status = status if status in MESSAGE_STATES else None
    page = requested_page()
    requests = fetch_thread_requests(consultation.id, page, status)
    request_ids = [item.id for item in requests.items]
    messages = queries.fetch_messages_for_requests(request_ids, status)
    # A status is a sent email's: filtered by one, the log shows sent emails only.
    arrivals = {} if status else inbox.fetch_arrivals_for_requests(request_ids)
    return render_template(
        "correspondence/log.html",
        consultation=consultation,
        requests=requests,
        threads={i: thread(messages[i], arrivals.get(i, [])) for i in request_ids},
        staff_messages=queries.fetch_staff_messages(consultation.id, status)
        if requests.page >= requests.pages
        else [],
        sent_total=queries.count_consultation_messages(consultation.id, status),
        received_total=0 if status else inbox.count_consultation_arrivals(consultation.id).arrived,
        status=status,
        states=MESSAGE_STATES,
    )


@bp.route("/messages/<int:message_id>")
@signed_in
def message(message_id):
    message = queries.get_message(message_id) or abort(404)
    return render_template("correspondence/message.html", message=message)
