"""The scrutiny view: each consultation's dashboard and response log, and each request's
whole story."""

from math import ceil

from flask import Blueprint, abort, render_template, request

from consult.auth.access import officers_only, signed_in
from consult.consideration import queries as consideration
from consult.consultations.models import Consultation
from consult.correspondence import queries as correspondence
from consult.directory.queries import fetch_sectors
from consult.extensions import db
from consult.files.services import send_stored_file
from consult.issuing.forms import ResendLinkForm
from consult.paging import requested_id, requested_page
from consult.requests import queries as requests
from consult.respond.models import STANCE_NAMES, STANCES, Response
from consult.review import charts, queries
from consult.review.versions import changes as version_changes

bp = Blueprint("review", __name__)
PER_PAGE = 50


def _issued(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    return consultation


@bp.route("/consultations/<int:consultation_id>/dashboard")
@signed_in
def dashboard(consultation_id):
    consultation = _issued(consultation_id)
    tally = queries.fetch_tally(consultation)
    reminders = queries.fetch_reminder_dates(consultation)
    replies_by_day = queries.fetch_replies_by_day(consultation)
    themes, theme_sectors, theme_counts = consideration.fetch_themes_by_sector(consultation.id)
    return render_template(
        "review/dashboard.html",
        consultation=consultation,
        tally=tally,
        stances=STANCES,
        stance_names=STANCE_NAMES,
        stance_chart=charts.stance_chart(tally.overall),
        timeline=charts.timeline(
            replies_by_day,
            start=consultation.issued_at,
            deadline=consultation.deadline_at,
            reminders=reminders,
        ),
        replies_by_day=replies_by_day,
        reminders=reminders,
        themes=themes,
        theme_sectors=theme_sectors,
        theme_counts=theme_counts,
        themes_chart=charts.themes_chart(themes, theme_counts),
    )


def _filters():
    args = request.args
    stance = args.get("stance", "")
    status = args.get("status", "")
    sort = args.get("sort", "organisation")
    return queries.LogFilters(
        sector_id=requested_id("sector") or 0,
        stance=stance if stance in STANCES else "",
        status=status if status in queries.LOG_STATUSES else "",
        search=args.get("q", "").strip()[:200],
        sort=sort if sort in queries.LOG_SORTS else "organisation",
        descending=args.get("order") == "desc",
    )


@bp.route("/consultations/<int:consultation_id>/responses")
@signed_in
def log(consultation_id):
    consultation = _issued(consultation_id)
    filters = _filters()
    page = requested_page()
    rows, total = queries.fetch_log_page(consultation, filters, page=page, per_page=PER_PAGE)
    request_ids = [row[0].id for row in rows]
    return render_template(
        "review/log.html",
        consultation=consultation,
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / PER_PAGE), 1),
        filters=filters,
        contacts=queries.fetch_contacts(request_ids),
        deliveries=queries.fetch_last_delivery(request_ids),
        sectors=fetch_sectors(),
        stances=STANCES,
        stance_names=STANCE_NAMES,
        statuses=queries.LOG_STATUSES,
        sorts=queries.LOG_SORTS,
    )


@bp.route("/responses/<int:response_id>/letter")
@signed_in
def response_letter(response_id):
    """The letter a partner attached to a version of their reply."""
    response = db.get_or_404(Response, response_id)
    stored = response.letter_file
    if stored is None or stored.erased_at is not None:
        abort(404)
    return send_stored_file(stored)


@bp.route("/responses/<int:response_id>/original-email")
@officers_only
def response_email(response_id):
    """The email a version of the reply was recorded from, kept whole: for officers only,
    as its quoted thread can hold the partner's secret link and others' addresses."""
    response = db.get_or_404(Response, response_id)
    stored = response.source_file
    if stored is None or stored.erased_at is not None:
        abort(404)
    return send_stored_file(stored)


@bp.route("/requests/<int:request_id>")
@signed_in
def request_detail(request_id):
    """One request's whole story: its people and links, every email, every version of the
    reply and what changed, every audit event."""
    request = requests.get_request_with_links(request_id) or abort(404)
    versions = queries.fetch_versions(request.id)
    return render_template(
        "review/request.html",
        request=request,
        consultation=request.consultation,
        token_counts=requests.fetch_token_counts(request.id),
        messages=correspondence.fetch_request_messages(request.id),
        resend_form=ResendLinkForm(),
        versions=versions,
        changes=version_changes(versions),
        events=queries.fetch_audit_events(request.id),
    )
