"""What the officer sees of the reply mailbox: the emails filed under a consultation, the
council's emails that matched no request, and each email on its own, to file under a
request or set aside.

Recording a filed reply is done on its request's page (consult/review/routes.py).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.access import OFFICERS, officers_only, signed_in
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import send_stored_file
from consult.inbox import filing, queries
from consult.inbox.forms import AssignForm, PutBackForm, SetAsideForm
from consult.inbox.models import Arrival
from consult.paging import requested_page
from consult.requests.models import Request

bp = Blueprint("inbox", __name__)


def _is_officer():
    return current_user.role in OFFICERS


def _shown(arrival_id):
    """The email, once read; 404 for one unknown or still waiting to be read."""
    arrival = db.session.get(Arrival, arrival_id)
    if arrival is None or arrival.kind not in queries.SHOWN_KINDS:
        abort(404)
    return arrival


def _from(arrival):
    return arrival.sender_name or arrival.sender_address or "the sender"


@bp.route("/consultations/<int:consultation_id>/arrived-by-email")
@signed_in
def consultation_arrivals(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    return render_template(
        "inbox/consultation.html",
        consultation=consultation,
        arrivals=queries.fetch_consultation_arrivals(consultation.id, requested_page()),
        unmatched=queries.count_unmatched() if _is_officer() else None,
        is_officer=_is_officer(),
    )


@bp.route("/arrived-by-email")
@officers_only
def unmatched():
    """Emails no request matched: they may be about nothing Consult holds, so officers
    only."""
    set_aside = request.args.get("set_aside") == "1"
    return render_template(
        "inbox/unmatched.html",
        arrivals=queries.fetch_unmatched(requested_page(), set_aside=set_aside),
        set_aside=set_aside,
        other_count=queries.count_unmatched(set_aside=not set_aside),
        is_officer=True,
    )


def _arrival_page(arrived, form=None, status=200):
    arrival = arrived.arrival
    if form is None and arrival.response_id is None and _is_officer():
        form = AssignForm(queries.fetch_assignable_requests(), formdata=None)
        form.request_id.data = arrival.request_id or 0
    return render_template(
        "inbox/arrival.html",
        arrived=arrived,
        arrival=arrival,
        form=form,
        put_back_form=PutBackForm(formdata=None) if arrival.dismissed_at else None,
        is_officer=_is_officer(),
    ), status


@bp.route("/arrived-by-email/<int:arrival_id>")
@signed_in
def arrival(arrival_id):
    """One email: what it says, what it was filed under, and (for officers) filing it
    under another request or setting it aside. Scrutiny read those filed under a request,
    as they read the requests."""
    arrived = queries.get_arrived(arrival_id) or abort(404)
    if arrived.arrival.request_id is None and not _is_officer():
        abort(403)
    return _arrival_page(arrived)


@bp.route("/arrived-by-email/<int:arrival_id>/assign", methods=["POST"])
@officers_only
def assign(arrival_id):
    arrival = _shown(arrival_id)
    if arrival.response_id is not None:
        flash("This email is recorded as the reply, so it stays under its request.", "info")
        return redirect(url_for("inbox.arrival", arrival_id=arrival.id))
    form = AssignForm(queries.fetch_assignable_requests())
    if form.validate_on_submit():
        chosen = db.session.get(Request, form.request_id.data)  # one of the choices
        filing.assign(arrival, chosen, by=current_user)
        db.session.commit()
        flash(
            f"The email from {_from(arrival)} is filed under {chosen.organisation.name}.",
            "success",
        )
        return redirect(url_for("review.request_detail", request_id=chosen.id))
    return _arrival_page(queries.get_arrived(arrival.id), form, 400)


@bp.route("/arrived-by-email/<int:arrival_id>/set-aside", methods=["GET", "POST"])
@officers_only
def set_aside(arrival_id):
    """Set an email aside (spam, a thank-you, a copy) after a confirmation; filing it
    under a request from its page puts it back."""
    arrival = _shown(arrival_id)
    if arrival.response_id is not None or arrival.dismissed_at is not None:
        done = "recorded as the reply" if arrival.response_id else "set aside already"
        flash(f"This email is {done}.", "info")
        return redirect(url_for("inbox.arrival", arrival_id=arrival.id))
    form = SetAsideForm()
    if form.validate_on_submit():
        filing.dismiss(arrival, by=current_user)
        db.session.commit()
        flash(
            f"The email from {_from(arrival)} is set aside. To put it back, open it from "
            "the emails set aside and choose Put it back.",
            "success",
        )
        if arrival.request_id is not None:
            return redirect(url_for("review.request_detail", request_id=arrival.request_id))
        return redirect(url_for("inbox.unmatched"))
    return render_template(
        "inbox/set_aside.html", arrival=arrival, form=form
    ), 400 if form.errors else 200


@bp.route("/arrived-by-email/<int:arrival_id>/put-back", methods=["POST"])
@officers_only
def put_back(arrival_id):
    """Undo setting an email aside: it is back where it was filed (or among the emails
    that matched no request), as it was before."""
    arrival = _shown(arrival_id)
    if PutBackForm().validate_on_submit() and arrival.dismissed_at is not None:
        filing.put_back(arrival, by=current_user)
        db.session.commit()
        flash(f"The email from {_from(arrival)} is put back.", "success")
    if arrival.request_id is not None:
        return redirect(url_for("review.request_detail", request_id=arrival.request_id))
    return redirect(url_for("inbox.arrival", arrival_id=arrival.id))


@bp.route("/arrived-by-email/<int:arrival_id>/original")
@officers_only
def original(arrival_id):
    """The email as it arrived, whole: officers only, as its quoted thread can hold a
    partner's secret link and other people's addresses."""
    stored = db.get_or_404(Arrival, arrival_id).raw_file
    if stored is None or stored.erased_at is not None:
        abort(404)
    return send_stored_file(stored)


@bp.route("/arrived-by-email/<int:arrival_id>/letters/<int:number>")
@officers_only
def letter(arrival_id, number):
    """The ``number``th attachment (from 1), when it is a letter Consult kept."""
    attachments = db.get_or_404(Arrival, arrival_id).attachments or []
    if not 1 <= number <= len(attachments) or not isinstance(attachments[number - 1], dict):
        abort(404)
    file_id = attachments[number - 1].get("file_id")
    stored = db.session.get(StoredFile, file_id) if isinstance(file_id, int) else None
    if stored is None or stored.erased_at is not None:
        abort(404)
    return send_stored_file(stored)
