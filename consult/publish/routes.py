"""Publishing: the response log as a spreadsheet, and the annex of partners' letters."""

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from consult import queue
from consult.audit import services as audit
from consult.auth.access import officers_only, signed_in
from consult.consultations.models import Consultation
from consult.dates import format_date
from consult.exports import csv_text, xlsx_bytes
from consult.extensions import db
from consult.files.services import send_stored_file
from consult.publish import queries, services
from consult.publish.forms import AnnexForm, PublishForm
from consult.publish.models import AnnexBuild
from consult.requests.models import OUTSTANDING_STATES
from consult.respond.models import CHANNEL_NAMES, STANCE_NAMES

bp = Blueprint("publish", __name__)

LOG_HEADINGS = (
    "Organisation",
    "Sector",
    "Contacts",
    "Status",
    "Stance",
    "Option preferred instead",
    "Received",
    "Channel",
    "Late",
    "Last email",
    "Reply",
)


def _log_rows(consultation):
    rows = []
    for (
        request,
        organisation,
        sector,
        response,
        alternative,
        contacts,
        delivery,
    ) in queries.fetch_log_rows(consultation.id):
        late = bool(
            request.responded_at
            and consultation.deadline_at
            and request.responded_at > consultation.deadline_at
        )
        status = request.status
        if status in OUTSTANDING_STATES:
            status = "outstanding"
        rows.append(
            (
                organisation,
                sector,
                "; ".join(contacts),
                status,
                STANCE_NAMES[response.stance] if response else "",
                alternative or "",
                format_date(request.responded_at, with_weekday=False)
                if request.responded_at
                else "",
                CHANNEL_NAMES[response.channel] if response else "",
                "Late" if late else "",
                delivery,
                response.comments if response else "",
            )
        )
    return rows


def _export(consultation, extension, mimetype, data):
    audit.record(
        "exported",
        user=current_user,
        consultation=consultation,
        what="response log",
        format=extension,
    )
    db.session.commit()
    filename = f"responses-{consultation.reference}.{extension}".replace(" ", "-")
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _issued(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    return consultation


@bp.route("/consultations/<int:consultation_id>/responses.csv")
@signed_in
def log_csv(consultation_id):
    consultation = _issued(consultation_id)
    text = csv_text(LOG_HEADINGS, _log_rows(consultation))
    return _export(consultation, "csv", "text/csv; charset=utf-8", text.encode("utf-8"))


@bp.route("/consultations/<int:consultation_id>/responses.xlsx")
@signed_in
def log_xlsx(consultation_id):
    consultation = _issued(consultation_id)
    data = xlsx_bytes("Responses", LOG_HEADINGS, _log_rows(consultation))
    return _export(
        consultation,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        data,
    )


def _annex_page(consultation, form):
    builds = services.fetch_builds(consultation.id)
    letters = queries.fetch_letters(consultation.id)
    checks = queries.fetch_letter_checks(consultation.id)
    return render_template(
        "publish/annex.html",
        consultation=consultation,
        builds=builds,
        progress_build=next(
            (build for build in builds if build.status in ("queued", "building")), None
        ),
        form=form,
        publish_form=PublishForm(),
        counts=queries.fetch_request_counts(consultation.id),
        letters=len(letters),
        unchecked=sum(1 for *_rest, stored in letters if stored.id not in checks),
    )


@bp.route("/consultations/<int:consultation_id>/annex")
@signed_in
def annex(consultation_id):
    return _annex_page(_issued(consultation_id), AnnexForm())


@bp.route("/consultations/<int:consultation_id>/annex", methods=["POST"])
@officers_only
def build_annex(consultation_id):
    consultation = _issued(consultation_id)
    form = AnnexForm()
    if not form.validate_on_submit():
        return _annex_page(consultation, form), 400
    build = services.request_annex(consultation, form.format.data, by=current_user)
    db.session.commit()
    queue.enqueue(queue.BUILD_ANNEX, build.id)
    flash(f"The {build.format_name} annex is being built. It appears below when ready.", "success")
    return redirect(url_for("publish.annex", consultation_id=consultation.id))


@bp.route("/annexes/<int:build_id>.json")
@signed_in
def annex_progress(build_id):
    build = db.get_or_404(AnnexBuild, build_id)
    return jsonify(
        {
            "status": build.status,
            "done": build.done,
            "total": build.total,
            "waiting": 1 if build.status in ("queued", "building") else 0,
        }
    )


@bp.route("/annexes/<int:build_id>/download")
@signed_in
def download_annex(build_id):
    build = db.get_or_404(AnnexBuild, build_id)
    if build.status != "done" or build.stored_file is None:
        flash("That annex is not ready yet.", "info")
        return redirect(url_for("publish.annex", consultation_id=build.consultation_id))
    return send_stored_file(build.stored_file)


@bp.route("/annexes/<int:build_id>/publish", methods=["POST"])
@officers_only
def publish_annex(build_id):
    build = db.get_or_404(AnnexBuild, build_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            services.publish_build(build, by=current_user)
        except services.PublishError as error:
            db.session.rollback()
            flash(str(error), "info")
        else:
            db.session.commit()
            flash(
                f"The {build.format_name} annex is recorded as published, with its SHA-256 "
                f"{build.stored_file.sha256[:12]}….",
                "success",
            )
    return redirect(url_for("publish.annex", consultation_id=build.consultation_id))
