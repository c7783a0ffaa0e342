"""For the information governance officer: one person's details, found, exported, erased."""

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from consult.auth.access import roles_required
from consult.db import utcnow
from consult.extensions import db
from consult.retention import services
from consult.retention.forms import ErasePersonForm, FindPersonForm, PersonActionForm

bp = Blueprint("retention", __name__)
NO_STORE = {"Cache-Control": "no-store"}


def _page(form, record=None, erase_form=None, status=200):
    return (
        render_template(
            "retention/person.html",
            form=form,
            record=record,
            action_form=PersonActionForm(email=record.email) if record else None,
            erase_form=erase_form or (ErasePersonForm(email=record.email) if record else None),
        ),
        status,
        NO_STORE,
    )


@bp.route("/admin/people", methods=["GET"])
@roles_required("admin")
def person():
    return _page(FindPersonForm())


@bp.route("/admin/people", methods=["POST"])
@roles_required("admin")
def find_person():
    """The address is posted, not put in the URL, so it stays out of logs and history."""
    form = FindPersonForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        record = services.find_person(form.email.data)
    except services.RetentionError as error:
        form.email.errors = [str(error)]
        return _page(form, status=400)
    return _page(form, record)


@bp.route("/admin/people/export", methods=["POST"])
@roles_required("admin")
def export_person():
    form = PersonActionForm()
    if not form.validate_on_submit():
        flash("Find the person again, then export.", "info")
        return redirect(url_for("retention.person"))
    try:
        record = services.find_person(form.email.data)
    except services.RetentionError as error:
        flash(str(error), "info")
        return redirect(url_for("retention.person"))
    data = services.export_person(record, by=current_user)
    db.session.commit()
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="personal-data.zip"',
            "X-Content-Type-Options": "nosniff",
            **NO_STORE,
        },
    )


@bp.route("/admin/people/erase", methods=["POST"])
@roles_required("admin")
def erase_person():
    form = ErasePersonForm()
    try:
        record = services.find_person(form.email.data or "")
    except services.RetentionError:
        flash("Find the person again, then erase.", "info")
        return redirect(url_for("retention.person"))
    if not form.validate_on_submit():
        return _page(FindPersonForm(email=record.email), record, erase_form=form, status=400)
    counts = services.erase_person(record, now=utcnow(), by=current_user)
    db.session.commit()
    flash(
        f"Erased: {counts['contacts']} directory entries, {counts['emails']} emails and "
        f"{counts['replies']} replies now show {services.ERASED} instead of this person. "
        "Stances and counts are unchanged.",
        "success",
    )
    return redirect(url_for("retention.person"))
