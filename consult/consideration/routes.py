"""Points and themes: an officer marks the points in each reply, files them under themes
and writes the council's response to each; scrutiny reads it all; the schedule of
responses is the committee's table."""

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask import request as http
from flask_login import current_user
from sqlalchemy import select

from consult import queue
from consult.auth.access import officers_only, signed_in
from consult.consideration import queries, schedule, services
from consult.consideration.forms import (
    ChangePointForm,
    MergeForm,
    OutcomeForm,
    PointForm,
    RemovePointForm,
    ResponseForm,
    SuggestForm,
    ThemeForm,
)
from consult.consideration.models import Point, SuggestionRun, Theme
from consult.consideration.services import ConsiderationError
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.paging import as_id
from consult.requests.models import Request
from consult.respond.models import Response as Reply

bp = Blueprint("consideration", __name__)


def _issued(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    return consultation


def _current_reply(request):
    if request.response_version is None:
        abort(404)
    return db.session.scalar(
        select(Reply).where(
            Reply.request_id == request.id, Reply.version == request.response_version
        )
    )


def _theme_choices(consultation):
    return [
        (str(theme.id), theme.name)
        for theme in db.session.scalars(
            select(Theme).where(Theme.consultation_id == consultation.id).order_by(Theme.name)
        )
    ]


def _chosen_themes(consultation, ids):
    wanted = {as_id(value) for value in ids or []} - {None}
    if not wanted:
        return []
    return db.session.scalars(
        select(Theme).where(Theme.consultation_id == consultation.id, Theme.id.in_(wanted))
    ).all()


# The consultation's points and themes


def _index_page(consultation, *, theme_form=None, merge_form=None, status=200):
    themes = queries.fetch_themes(consultation.id)
    merge_form = merge_form or MergeForm()
    choices = [("", "Choose a theme")] + [(str(theme.id), theme.name) for theme, *_ in themes]
    merge_form.source.choices = merge_form.target.choices = choices
    return render_template(
        "consideration/index.html",
        consultation=consultation,
        themes=themes,
        replies=queries.fetch_replies(consultation.id),
        theme_form=theme_form or ThemeForm(),
        merge_form=merge_form,
        outcome_form=OutcomeForm(),
        run=db.session.scalar(
            select(SuggestionRun)
            .where(SuggestionRun.consultation_id == consultation.id)
            .order_by(SuggestionRun.id.desc())
            .limit(1)
        ),
        suggest_form=SuggestForm(),
    ), status


@bp.route("/consultations/<int:consultation_id>/points")
@signed_in
def index(consultation_id):
    return _index_page(_issued(consultation_id))


@bp.route("/consultations/<int:consultation_id>/themes", methods=["POST"])
@officers_only
def add_theme(consultation_id):
    consultation = _issued(consultation_id)
    form = ThemeForm()
    if not form.validate_on_submit():
        return _index_page(consultation, theme_form=form, status=400)
    try:
        theme = services.theme_named(consultation, form.name.data, by=current_user)
    except ConsiderationError as error:
        db.session.rollback()
        form.name.errors = [str(error)]
        return _index_page(consultation, theme_form=form, status=400)
    db.session.commit()
    flash(f"The theme “{theme.name}” is added.", "success")
    return redirect(url_for("consideration.index", consultation_id=consultation.id))


@bp.route("/consultations/<int:consultation_id>/themes/merge", methods=["POST"])
@officers_only
def merge_themes(consultation_id):
    consultation = _issued(consultation_id)
    form = MergeForm()
    source, target = (
        db.session.get(Theme, as_id(value) or 0) for value in (form.source.data, form.target.data)
    )
    problem = None
    if not form.validate_on_submit() or source is None or target is None:
        problem = "Choose the two themes to merge"
    if problem is None:
        try:
            if source.consultation_id != consultation.id:
                raise ConsiderationError("Choose two different themes of this consultation")
            services.merge_themes(source, target, by=current_user)
        except ConsiderationError as error:
            db.session.rollback()
            problem = str(error)
    if problem:
        form.source.errors = [problem]
        return _index_page(consultation, merge_form=form, status=400)
    db.session.commit()
    flash(f"The themes are merged into “{target.name}”.", "success")
    return redirect(url_for("consideration.index", consultation_id=consultation.id))


# One reply's points


def _reply_page(request, reply, form, status=200):
    consultation = request.consultation
    texts = services.reply_texts(reply)
    passages = [
        (f"{source}-{number}", source, text)
        for source, whole in texts.items()
        for number, text in enumerate(services.paragraphs(whole))
    ]
    form.paragraph.choices = [(key, text) for key, _source, text in passages]
    form.themes.choices = _theme_choices(consultation)
    points = queries.fetch_request_points(request.id)
    change_forms = {}
    for point in points:
        change = ChangePointForm(
            prefix=f"point-{point.id}",
            data={
                "kind": point.kind,
                "themes": [str(theme.id) for theme in point.themes],
            },
        )
        change.themes.choices = form.themes.choices
        change_forms[point.id] = change
    return render_template(
        "consideration/reply.html",
        consultation=consultation,
        request=request,
        reply=reply,
        passages=passages,
        points=points,
        form=form,
        change_forms=change_forms,
        remove_form=RemovePointForm(),
    ), status


@bp.route("/requests/<int:request_id>/points")
@signed_in
def reply(request_id):
    request = db.get_or_404(Request, request_id)
    _issued(request.consultation_id)
    return _reply_page(request, _current_reply(request), PointForm())


@bp.route("/requests/<int:request_id>/points", methods=["POST"])
@officers_only
def mark_point(request_id):
    request = db.get_or_404(Request, request_id)
    consultation = _issued(request.consultation_id)
    reply = _current_reply(request)
    form = PointForm()
    if not form.validate_on_submit():
        return _reply_page(request, reply, form, 400)
    texts = services.reply_texts(reply)
    quote = (form.quote.data or "").strip()
    if not quote and form.paragraph.data:
        source, _, number = form.paragraph.data.partition("-")
        found = services.paragraphs(texts.get(source, ""))
        index = int(number) if number.isdigit() else len(found)
        quote = found[index] if index < len(found) else ""
    if not quote:
        form.paragraph.errors = ["Choose the passage, or copy the partner's words into the box"]
        return _reply_page(request, reply, form, 400)
    try:
        themes = list(_chosen_themes(consultation, form.themes.data))
        if form.new_theme.data and form.new_theme.data.strip():
            themes.append(services.theme_named(consultation, form.new_theme.data, by=current_user))
        services.mark_point(
            reply, quote=quote, kind=form.kind.data, themes=themes, by=current_user, texts=texts
        )
    except ConsiderationError as error:
        db.session.rollback()
        form.quote.errors = [str(error)]
        return _reply_page(request, reply, form, 400)
    db.session.commit()
    flash("The point is marked.", "success")
    return redirect(url_for("consideration.reply", request_id=request.id))


def _point(point_id):
    point = db.get_or_404(Point, point_id)
    _issued(point.consultation_id)
    return point


@bp.route("/points/<int:point_id>", methods=["POST"])
@officers_only
def change_point(point_id):
    point = _point(point_id)
    form = ChangePointForm(prefix=f"point-{point.id}")
    form.themes.choices = _theme_choices(point.request.consultation)
    if form.validate_on_submit():
        services.change_point(
            point,
            kind=form.kind.data,
            themes=_chosen_themes(point.request.consultation, form.themes.data),
            by=current_user,
        )
        db.session.commit()
        flash("The point is saved.", "success")
    else:
        flash("Choose what kind of point it is, then save it again.", "info")
    return redirect(url_for("consideration.reply", request_id=point.request_id))


@bp.route("/points/<int:point_id>/remove", methods=["POST"])
@officers_only
def remove_point(point_id):
    point = _point(point_id)
    request_id = point.request_id
    if RemovePointForm().validate_on_submit():
        services.remove_point(point, by=current_user)
        db.session.commit()
        flash("The point is removed. The partner's reply is unchanged.", "success")
    return redirect(url_for("consideration.reply", request_id=request_id))


# A theme and the council's response


def _theme_page(theme, form, status=200):
    rows = [
        entry
        for item in queries.fetch_schedule(theme.consultation_id)
        if item.theme.id == theme.id
        for entry in item.entries
    ]
    return render_template(
        "consideration/theme.html",
        consultation=theme.consultation,
        theme=theme,
        entries=rows,
        form=form,
    ), status


@bp.route("/themes/<int:theme_id>")
@signed_in
def theme(theme_id):
    theme = db.get_or_404(Theme, theme_id)
    _issued(theme.consultation_id)
    form = ResponseForm(
        data={
            "name": theme.name,
            "response": theme.response,
            "change_made": theme.change_made,
            "state": theme.response_state,
        }
    )
    return _theme_page(theme, form)


@bp.route("/themes/<int:theme_id>", methods=["POST"])
@officers_only
def save_theme(theme_id):
    theme = db.get_or_404(Theme, theme_id)
    _issued(theme.consultation_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        return _theme_page(theme, form, 400)
    try:
        if form.name.data.strip() != theme.name:
            services.rename_theme(theme, form.name.data, by=current_user)
        services.write_response(
            theme,
            response=form.response.data,
            change_made=form.change_made.data,
            state=form.state.data,
            by=current_user,
        )
    except ConsiderationError as error:
        db.session.rollback()
        form.response.errors = [str(error)]
        return _theme_page(theme, form, 400)
    db.session.commit()
    flash(f"The council's response on “{theme.name}” is saved.", "success")
    return redirect(url_for("consideration.theme", theme_id=theme.id))


# The schedule of responses


@bp.route("/consultations/<int:consultation_id>/schedule")
@signed_in
def schedule_page(consultation_id):
    consultation = _issued(consultation_id)
    by = "partner" if http.args.get("by") == "partner" else "theme"
    rows = queries.fetch_schedule(consultation.id)
    return render_template(
        "consideration/schedule.html",
        consultation=consultation,
        by=by,
        themes=rows,
        partners=schedule.by_partner(rows),
    )


@bp.route("/consultations/<int:consultation_id>/schedule.docx")
@signed_in
def schedule_docx(consultation_id):
    consultation = _issued(consultation_id)
    data = schedule.render_docx(consultation, queries.fetch_schedule(consultation.id))
    filename = f"schedule-of-responses-{consultation.reference}.docx".replace(" ", "-")
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/consultations/<int:consultation_id>/outcome", methods=["POST"])
@officers_only
def publish_outcome(consultation_id):
    consultation = _issued(consultation_id)
    if OutcomeForm().validate_on_submit():
        try:
            services.publish_outcome(consultation, by=current_user)
        except ConsiderationError as error:
            db.session.rollback()
            flash(str(error), "info")
        else:
            db.session.commit()
            queue.enqueue(queue.SWEEP_OUTBOX)
            flash("The outcome is on its way to each partner who replied.", "success")
    return redirect(url_for("consideration.index", consultation_id=consultation.id))


# Suggested themes, worked out by the worker


@bp.route("/consultations/<int:consultation_id>/suggestions", methods=["POST"])
@officers_only
def suggest(consultation_id):
    consultation = _issued(consultation_id)
    if SuggestForm().validate_on_submit():
        run = services.request_suggestions(consultation, by=current_user)
        db.session.commit()
        queue.enqueue(queue.SUGGEST_THEMES, run.id)
        flash(
            "Consult is grouping the replies' paragraphs. The suggestions appear below.", "success"
        )
    return redirect(
        url_for("consideration.index", consultation_id=consultation.id) + "#suggestions"
    )


@bp.route("/suggestions/<int:run_id>.json")
@signed_in
def suggestion_progress(run_id):
    run = db.get_or_404(SuggestionRun, run_id)
    return jsonify(
        {
            "status": run.status,
            "done": run.done,
            "total": run.total,
            "waiting": 1 if run.status in ("queued", "running") else 0,
        }
    )
