from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from consult.audit import services as audit
from consult.auth import sessions
from consult.auth.access import public, signed_in
from consult.auth.forms import SignInForm
from consult.auth.services import authenticate
from consult.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _submitted_email():
    return "sign-in:" + request.form.get("email", "").strip().lower()[:320]


def _safe_next(target):
    """Only same-site paths: never an address on another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGN_IN_FAILURE_LIMIT"],
    key_func=_submitted_email,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message="too many sign-in attempts",
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_ADDRESS_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message="too many sign-in attempts",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("consultations.index"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            sessions.start(user, client_address=request.remote_addr)
            login_user(user)
            audit.record("signed in", user=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("consultations.index"))
        db.session.commit()
        failed = True
    status = 200 if not form.errors and not failed else 400
    return render_template("auth/sign_in.html", form=form, failed=failed), status


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    audit.record("signed out", user=current_user)
    sessions.end("signed out")
    logout_user()
    db.session.commit()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
