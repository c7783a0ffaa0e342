"""Chasing: who is still to reply, and reminding them now."""

import re

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from consult import queue
from consult.audit import services as audit
from consult.auth.access import officers_only, signed_in
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.exports import csv_text
from consult.extensions import db
from consult.reminders import services
from consult.reminders.forms import RemindNowForm

bp = Blueprint("reminders", __name__)


def _outstanding_rows(consultation):
    rows = []
    for request in services.fetch_outstanding_requests(consultation.id):
        contacts = [link.contact for link in request.links if link.revoked_at is None]
        rows.append((request, contacts))
    return rows


@bp.route("/consultations/<int:consultation_id>/outstanding")
@signed_in
def outstanding(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    return render_template(
        "reminders/outstanding.html",
        consultation=consultation,
        rows=_outstanding_rows(consultation),
        overdue=consultation.deadline_at is not None and utcnow() > consultation.deadline_at,
    )


@bp.route("/consultations/<int:consultation_id>/outstanding.csv")
@signed_in
def outstanding_csv(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    rows = [
        (
            request.organisation.name,
            request.organisation.sector.name,
            request.status,
            contact.name,
            contact.role,
            contact.email or "",
            contact.phone,
        )
        for request, contacts in _outstanding_rows(consultation)
        for contact in contacts
    ]
    filename = re.sub(r"[^A-Za-z0-9_-]+", "-", consultation.reference) + "-outstanding.csv"
    audit.record(
        "exported", user=current_user, consultation=consultation, what="outstanding", format="csv"
    )
    db.session.commit()
    return Response(
        csv_text(["Organisation", "Sector", "Status", "Contact", "Role", "Email", "Phone"], rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/consultations/<int:consultation_id>/remind-now", methods=["GET", "POST"])
@officers_only
def remind_now(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state != "open":
        flash("Only an open consultation's partners can be reminded.", "info")
        return redirect(url_for("reminders.outstanding", consultation_id=consultation.id))
    form = RemindNowForm()
    if form.validate_on_submit():
        stored = services.remind_everyone_outstanding(consultation, by=current_user)
        db.session.commit()
        queue.enqueue(queue.SWEEP_OUTBOX)
        flash(f"{len(stored)} reminders are on their way.", "success")
        return redirect(url_for("reminders.outstanding", consultation_id=consultation.id))
    rows = _outstanding_rows(consultation)
    people = sum(1 for _request, contacts in rows for contact in contacts if contact.email)
    return render_template(
        "reminders/remind_now.html",
        consultation=consultation,
        form=form,
        organisations=len(rows),
        people=people,
    )
