"""Back to each partner: "You said … The council's response …", through their own link,
their own points only. It opens after the consultation has closed, as long as the link
has not been revoked or replaced and has not expired (publishing the outcome extends it)."""

from flask import Blueprint, current_app, render_template
from flask import request as http
from flask_limiter.util import get_remote_address

from consult.auth.access import public
from consult.consideration import queries
from consult.db import utcnow
from consult.extensions import limiter
from consult.requests.tokens import hash_token
from consult.respond import partner_session

bp = Blueprint("outcome", __name__)


@bp.after_request
def _private(response):
    # The link is a key: never send it on to another site, never keep a page in a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _address_and_link():
    return f"{get_remote_address()}:{hash_token(http.view_args.get('token', ''))[:24]}"


def _not_found(response):
    return response.status_code == 404


def _readable(state, now):
    """Whether this link may show the outcome: the council has sent it, and the link
    itself still works (closing the consultation does not matter here)."""
    if state.link is None or state.token is None:
        return False
    if state.link.request.consultation.outcome_sent_at is None:
        return False
    if state.problem not in (None, "closed"):
        return False
    link = state.link
    return (
        link.revoked_at is None
        and state.token.revoked_at is None
        and (link.expires_at is None or link.expires_at > now)
    )


@bp.route("/r/<token>/outcome")
@public
@limiter.limit(lambda: current_app.config["TOKEN_LOOKUP_LIMIT"], key_func=_address_and_link)
@limiter.limit(lambda: current_app.config["UNKNOWN_LINK_LIMIT"], deduct_when=_not_found)
def outcome(token):
    now = utcnow()
    state = partner_session.resolve_token(token, now)
    if not _readable(state, now):
        return render_template(
            "respond/link_problem.html",
            title="This page is not available",
            advice="The council has not yet sent the outcome of this consultation, or this "
            "link no longer works. Use the link in the most recent email the council sent you.",
            contact=current_app.config["MAIL_REPLY_TO"]
            or current_app.config["MAIL_DEFAULT_SENDER"],
        ), 404
    request = state.link.request
    return render_template(
        "consideration/outcome.html",
        consultation=request.consultation,
        organisation=request.organisation,
        points=queries.fetch_request_points(request.id),
    )
