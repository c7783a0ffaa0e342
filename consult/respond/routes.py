"""The partner's pages: open the link, answer, check, send; or say you will not respond.

Partners have no account. /r/<token> shows the letter and papers and changes nothing; its
"Respond" button exchanges the token for a session and every later page is reached
through that session, never through an address with the token in it.
"""

from functools import wraps

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError

from consult import queue
from consult.auth.access import public
from consult.consultations.letters import LetterError, render_letter
from consult.consultations.models import Document
from consult.consultations.papers import get_papers
from consult.dates import format_datetime
from consult.extensions import db, limiter
from consult.files.services import LETTER_KINDS, UploadError, send_stored_file, store_upload
from consult.requests.partner_emails import response_reference
from consult.requests.tokens import hash_token
from consult.respond import fragments, partner_session, services
from consult.respond.forms import (
    DeclineForm,
    ResponseForm,
    StartForm,
    SubmitResponseForm,
    UndoDeclineForm,
    clean_text,
)

bp = Blueprint("respond", __name__)

# Status and words for each way a link can fail. Nothing here says anything about any
# other request, or whether a token is close to a real one.
LINK_PROBLEMS = {
    "unknown": (
        404,
        "This link does not work",
        "Check that you used the whole link from the email. If you copied it, copy it again.",
    ),
    "replaced": (
        410,
        "This link has been replaced",
        "A newer link was sent to you. Use the link in the most recent email from us.",
    ),
    "revoked": (410, "This link no longer works", "The council has stopped this link."),
    "expired": (
        410,
        "This link has expired",
        "The time for replying through this link has passed.",
    ),
    "withdrawn": (
        410,
        "This request has been withdrawn",
        "The council no longer needs a reply from your organisation.",
    ),
    "closed": (
        410,
        "This consultation has closed",
        "Replies can no longer be sent or changed. Your organisation's reply, if it sent "
        "one, has been kept.",
    ),
    "no-session": (
        403,
        "Open the link in your email again",
        "For your security, this page only works after you open the link in "
        "the email we sent you and press Respond.",
    ),
}


def _problem_page(problem):
    status, title, advice = LINK_PROBLEMS[problem]
    return render_template(
        "respond/link_problem.html",
        title=title,
        advice=advice,
        contact=current_app.config["MAIL_REPLY_TO"] or current_app.config["MAIL_DEFAULT_SENDER"],
    ), status


@bp.errorhandler(CSRFError)
def _stale_form(error):
    """A form sent with a stale or missing CSRF token (after a long pause, say). The
    partner's words are not lost: they come back in the form, to send again."""
    if request.endpoint != "respond.answer":
        return _problem_page("no-session")
    state = partner_session.current_partner()
    if not state.ok:
        return render_template(
            "respond/words_kept.html",
            comments=clean_text(request.form.get("comments", "")),
            contact=current_app.config["MAIL_REPLY_TO"]
            or current_app.config["MAIL_DEFAULT_SENDER"],
        ), 400
    g.link, g.request, g.consultation = (
        state.link,
        state.link.request,
        state.link.request.consultation,
    )
    form = ResponseForm(formdata=request.form)
    _form_choices(form, g.consultation)
    return render_template(
        "respond/answer.html",
        form=form,
        stale=True,
        **_consultation_context(g.link),
    ), 400


@bp.after_request
def _private(response):
    # The link is a key: never send it on to another site, never keep a page in a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _token_lookup_limit():
    return current_app.config["TOKEN_LOOKUP_LIMIT"]


def _unknown_link_limit():
    return current_app.config["UNKNOWN_LINK_LIMIT"]


def _link_unknown(response):
    """A look-up that found no link: counted against the client's address, so guessing
    is slow, while partners sharing one address with links that work never are."""
    return response.status_code == 404


def _address_and_link():
    """The key of one link's look-ups from one client address (the token hashed, never
    kept as it is)."""
    return f"{get_remote_address()}:{hash_token(request.view_args.get('token', ''))[:24]}"


def partner_required(view):
    """The partner's link, checked afresh, in ``g.link``; else the page that says why."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        state = partner_session.current_partner()
        if not state.ok:
            return _problem_page(state.problem)
        g.link = state.link
        g.request = state.link.request
        g.consultation = state.link.request.consultation
        return view(*args, **kwargs)

    return wrapped


@bp.route("/r/<token>", methods=["GET"])
@public
@limiter.limit(_token_lookup_limit, key_func=_address_and_link)
@limiter.limit(_unknown_link_limit, deduct_when=_link_unknown)
def landing(token):
    state = partner_session.resolve_token(token)
    if state.problem == "closed" and state.link.request.consultation.outcome_sent_at:
        # After the council has sent its response, the partner's link opens it.
        return redirect(url_for("outcome.outcome", token=token), code=303)
    if not state.ok:
        return _problem_page(state.problem)
    return render_template(
        "respond/landing.html", **_consultation_context(state.link, letter=True), form=StartForm()
    )


@bp.route("/r/<token>", methods=["POST"])
@public
@limiter.limit(_token_lookup_limit, key_func=_address_and_link)
@limiter.limit(_unknown_link_limit, deduct_when=_link_unknown)
def start(token):
    state = partner_session.resolve_token(token)
    if not state.ok:
        return _problem_page(state.problem)
    if not StartForm().validate_on_submit():
        return redirect(url_for("respond.landing", token=token), code=303)
    partner_session.start_partner_session(state)
    db.session.commit()
    return redirect(url_for("respond.overview"), code=303)


@bp.route("/respond")
@public
@partner_required
def overview():
    request = g.request
    return render_template(
        "respond/overview.html",
        **_consultation_context(g.link, letter=True, paper_links=True),
        response=services.get_current_response(request),
        draft=services.get_draft(request),
        undo_form=UndoDeclineForm(),
    )


def _form_choices(form, consultation):
    others = get_papers(consultation).alternatives
    form.alternative_option.choices = [(0, "Choose an option")] + [(o.id, o.name) for o in others]
    return {option.id for option in others}


def _fill_from(form, source):
    form.stance.data = source.stance
    form.alternative_option.data = source.alternative_option_id or 0
    form.comments.data = source.comments
    form.responder_name.data = source.responder_name
    form.responder_role.data = source.responder_role
    form.publication.data = source.publication


@bp.route("/respond/answer", methods=["GET", "POST"])
@public
@partner_required
def answer():
    consultation = g.consultation
    window = services.reply_window(consultation)
    if window == "closed":
        return redirect(url_for("respond.overview"))
    form = ResponseForm()
    option_ids = _form_choices(form, consultation)
    draft = services.get_draft(g.request)
    # A change to a sent response starts from it: its letter stays unless the partner
    # ticks to remove it or attaches another.
    source = draft or services.get_current_response(g.request)
    attached = source.letter_file if source else None
    if not form.is_submitted():
        if source is not None:
            _fill_from(form, source)
        form.revision.data = draft.revision if draft else 0
        if draft is not None:
            form.answers_for_organisation.data = draft.answers_for_organisation
        return render_template(
            "respond/answer.html",
            form=form,
            draft_letter=attached,
            **_consultation_context(g.link),
        )

    conflict = None
    letter_file_id = None if form.remove_letter.data or attached is None else attached.id
    upload = request.files.get("letter")
    if upload and upload.filename:
        try:
            letter_file_id = store_upload(upload, LETTER_KINDS).id
        except UploadError as error:
            db.session.rollback()
            form.validate()
            form.letter.errors = [str(error)]
    if not form.letter.errors and form.validate() and (form.save.data or form.check_complete()):
        alternative = (
            form.alternative_option.data if form.stance.data == ("prefers_another_option") else None
        )
        try:
            services.save_draft(
                g.request,
                draft,
                link=g.link,
                revision_seen=form.revision.data or 0,
                fields={
                    "stance": form.stance.data or None,
                    "alternative_option_id": alternative if alternative in option_ids else None,
                    "comments": form.comments.data or "",
                    "responder_name": form.responder_name.data or "",
                    "responder_role": form.responder_role.data or "",
                    "publication": form.publication.data or None,
                    "answers_for_organisation": bool(form.answers_for_organisation.data),
                    "letter_file_id": letter_file_id,
                },
            )
            db.session.commit()
        except services.DraftChanged as error:
            db.session.rollback()
            conflict = error.draft
            form.revision.data = conflict.revision if conflict else 0
        else:
            if form.save.data:
                flash(
                    "Your answer is saved. Anyone at your organisation with a link can carry on "
                    f"with it before {format_datetime(consultation.deadline_at)}.",
                    "success",
                )
                return redirect(url_for("respond.overview"))
            return redirect(url_for("respond.check"))
    return render_template(
        "respond/answer.html",
        form=form,
        conflict=conflict,
        draft_letter=attached,
        **_consultation_context(g.link),
    ), 400 if form.errors or conflict else 200


@bp.route("/respond/check", methods=["GET", "POST"])
@public
@partner_required
def check():
    request = g.request
    draft = services.get_draft(request)
    if draft is None:
        return redirect(url_for("respond.overview"))
    form = SubmitResponseForm()
    changed = None
    if form.validate_on_submit():
        try:
            response = services.submit_draft(
                request,
                draft,
                link=g.link,
                revision_seen=form.revision.data,
                version_seen=form.version_seen.data or None,
            )
            version = response.version
            db.session.commit()
        except services.ResponseChanged as error:
            db.session.rollback()
            changed = error.response
        except services.DraftChanged:
            db.session.rollback()
            flash(
                "Someone else at your organisation changed the answer just now. "
                "Check it again before sending.",
                "info",
            )
            return redirect(url_for("respond.check"))
        except services.ReplyClosed as error:
            db.session.rollback()
            flash(str(error), "info")
            return redirect(url_for("respond.overview"))
        else:
            queue.enqueue(queue.SWEEP_OUTBOX)
            return redirect(url_for("respond.sent", version=version), code=303)
    current = services.get_current_response(request)
    form.revision.data = draft.revision
    form.version_seen.data = (changed.version if changed else draft.based_on_version) or 0
    return render_template(
        "respond/check.html",
        form=form,
        draft=draft,
        current=current,
        changed=changed,
        changed_since=current is not None and current.version != draft.based_on_version,
        **_consultation_context(g.link),
    ), 409 if changed else 200


@bp.route("/respond/papers/<int:document_id>")
@public
@partner_required
def paper(document_id):
    """One of the consultation's papers, for the partner to read."""

    document = db.session.get(Document, document_id)
    if document is None or document.consultation_id != g.consultation.id:
        return _problem_page("unknown")
    return send_stored_file(document.stored_file)


@bp.route("/respond/sent/<int:version>")
@public
@partner_required
def sent(version):
    response = services.get_current_response(g.request)
    if response is None:
        return redirect(url_for("respond.overview"))
    return render_template(
        "respond/sent.html",
        response=response,
        reference=response_reference(response),
        **_consultation_context(g.link),
    )


@bp.route("/respond/decline", methods=["GET", "POST"])
@public
@partner_required
def decline():
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline(g.request, link=g.link, reason=form.reason.data or "")
            db.session.commit()
        except services.ResponseError as error:
            db.session.rollback()
            flash(str(error), "info")
            return redirect(url_for("respond.overview"))
        flash("Thank you for telling us. We will not send you reminders.", "success")
        return redirect(url_for("respond.overview"))
    return render_template(
        "respond/decline.html", form=form, **_consultation_context(g.link)
    ), 400 if form.errors else 200


@bp.route("/respond/undo-decline", methods=["POST"])
@public
@partner_required
def undo_decline():
    if UndoDeclineForm().validate_on_submit():
        try:
            services.undo_decline(g.request, link=g.link)
            db.session.commit()
        except services.ResponseError as error:
            db.session.rollback()
            flash(str(error), "info")
    return redirect(url_for("respond.overview"))


def _consultation_context(link, *, letter=False, paper_links=False):
    """What every partner page shows of the consultation; ``letter``: the letter too,
    personalised, and the papers every partner reads alike, kept once rendered (the
    landing and overview pages show them), with links to the papers if ``paper_links``."""
    request = link.request
    consultation = request.consultation
    context = {
        "link": link,
        "request": request,
        "consultation": consultation,
        "organisation": request.organisation,
        "contact": link.contact,
        "papers": get_papers(consultation),
        "window": services.reply_window(consultation),
    }
    if letter:
        context["letter"] = _letter(link)
        context["papers_html"] = fragments.papers_fragment(consultation, with_links=paper_links)
    return context


def _letter(link):
    try:
        return render_letter(
            link.request.consultation,
            contact_name=link.contact.name,
            contact_role=link.contact.role,
            organisation_name=link.request.organisation.name,
            link_url="(the link you used to open this page)",
        )
    except LetterError:
        return ""
