"""The scrutiny view: each consultation's dashboard and response log, and each request's
whole story."""

from math import ceil

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.access import OFFICERS, officers_only, signed_in
from consult.consideration import queries as consideration
from consult.consultations.models import Consultation
from consult.correspondence import queries as correspondence
from consult.directory.queries import fetch_sectors
from consult.extensions import db
from consult.files.services import send_stored_file
from consult.inbox import filing
from consult.inbox import queries as inbox
from consult.inbox.forms import RecordArrivalForm, arrival_prefix
from consult.inbox.models import Arrival
from consult.issuing.forms import ResendLinkForm
from consult.paging import requested_id, requested_page
from consult.requests import queries as requests
from consult.respond.models import STANCE_NAMES, STANCES, Response
from consult.respond.services import ResponseError
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
        sector_chart=charts.sector_chart(tally.sectors),
        stance_colours=charts.STANCE_COLOURS,
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
        theme_conditions=consideration.fetch_theme_conditions(consultation.id),
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


def _can_record(request):
    consultation = request.consultation
    return (
        current_user.role in OFFICERS
        and consultation.state != "draft"
        and request.status not in ("draft", "withdrawn")
    )


def _request_page(request, *, posted=None, status=200):
    """The request page; ``posted`` is (arrival id, form) of an email's form just posted,
    shown with its errors."""
    versions = queries.fetch_versions(request.id)
    arrivals = inbox.fetch_request_arrivals(request.id)
    record_forms = {}
    if _can_record(request):
        for arrived in arrivals:
            arrival = arrived.arrival
            if arrival.kind == "reply" and arrival.response_id is None:
                record_forms[arrival.id] = RecordArrivalForm(
                    request.consultation, formdata=None, prefix=arrival_prefix(arrival)
                )
    if posted is not None:
        record_forms[posted[0]] = posted[1]
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
        arrivals=arrivals,
        record_forms=record_forms,
        versions_by_id={version.id: version for version in versions},
        form=posted[1] if posted is not None else None,
    ), status


@bp.route("/requests/<int:request_id>")
@signed_in
def request_detail(request_id):
    """One request's whole story: its people and links, every email sent and every email
    that arrived, every version of the reply and what changed, every audit event."""
    request = requests.get_request_with_links(request_id) or abort(404)
    return _request_page(request)


@bp.route("/requests/<int:request_id>/arrived-by-email/<int:arrival_id>/record", methods=["POST"])
@officers_only
def record_arrival(request_id, arrival_id):
    """Record an email filed under the request as its reply, with the stance and
    publication the officer read from it: all of it, or nothing."""
    request = requests.get_request_with_links(request_id) or abort(404)
    # Locked, so that two officers recording the same email at once make one version.
    arrival = db.session.get(Arrival, arrival_id, with_for_update=True)
    if arrival is None or arrival.request_id != request.id:
        abort(404)
    problem = _not_recordable(request, arrival)
    if problem:
        flash(problem, "info")
        return redirect(url_for("review.request_detail", request_id=request.id))
    form = RecordArrivalForm(request.consultation, prefix=arrival_prefix(arrival))
    if form.validate_on_submit():
        alternative = form.alternative()
        if not form.alternative_option.errors:
            try:
                response = filing.record_as_reply(
                    arrival,
                    by=current_user,
                    stance=form.stance.data,
                    publication=form.publication.data,
                    alternative_option=alternative,
                )
                db.session.commit()
            except filing.ArrivalError as error:
                db.session.rollback()
                flash(str(error), "info")
                return redirect(url_for("review.request_detail", request_id=request.id))
            except ResponseError as error:
                db.session.rollback()
                form.stance.errors = [str(error)]
            else:
                flash(
                    f"The email from {arrival.sender_name or arrival.sender_address} is "
                    f"recorded as version {response.version} of the reply of "
                    f"{request.organisation.name}.",
                    "success",
                )
                return redirect(url_for("review.request_detail", request_id=request.id))
    return _request_page(request, posted=(arrival.id, form), status=400)


def _not_recordable(request, arrival):
    """Why the email cannot be recorded as the request's reply, or None."""
    if not _can_record(request):
        return "This request can no longer take a reply."
    if arrival.kind != "reply":
        return "Only a reply can be recorded, not a bounce or an automatic reply."
    if arrival.response_id is not None:
        return "This email is already recorded as the reply."
    if arrival.dismissed_at is not None:
        return "This email was set aside; put it back before recording it."
    return None
