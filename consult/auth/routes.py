from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from consult.audit import services as audit
from consult.auth import accounts, sessions, two_factor
from consult.auth.access import public, signed_in
from consult.auth.forms import ChoosePasswordForm, CodeForm, SignInForm
from consult.auth.services import AccountError, authenticate
from consult.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _submitted_email_from_this_address():
    """Failed sign-ins are counted per email and client address together, so a stranger's
    wrong guesses from elsewhere never lock the owner out on their own computer."""
    email = request.form.get("email", "").strip().lower()[:320]
    return f"sign-in:{email}|{get_remote_address()}"


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
    key_func=_submitted_email_from_this_address,
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
            next_page = _safe_next(request.args.get("next"))
            if user.has_two_factor or two_factor.is_required_for(user):
                awaiting = "code" if user.has_two_factor else "enrolment"
                sessions.start(user, client_address=request.remote_addr, awaiting=awaiting)
                if next_page:
                    session["next"] = next_page
                audit.record("password accepted", user=user, awaiting=awaiting)
                db.session.commit()
                if awaiting == "code":
                    return redirect(url_for("auth.second_factor"))
                return redirect(url_for("auth.set_up_at_sign_in"))
            sessions.start(user, client_address=request.remote_addr)
            login_user(user)
            audit.record("signed in", user=user)
            db.session.commit()
            return redirect(next_page or url_for("consultations.index"))
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


def _finish_sign_in(sign_in, user, **details):
    next_page = _safe_next(session.pop("next", None))
    sessions.complete(sign_in, user)
    login_user(user)
    audit.record("signed in", user=user, **details)
    db.session.commit()
    return next_page or url_for("consultations.index")


def _sign_in_again():
    """No half-finished sign-in here (it timed out, or never began): say so plainly."""
    db.session.commit()
    if current_user.is_authenticated:
        return redirect(url_for("consultations.index"))
    return render_template("auth/sign_in_again.html")


def _second_factor_key():
    _sign_in, user = sessions.pending()
    return f"second-factor:{user.id if user else request.remote_addr}"


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SECOND_FACTOR_LIMIT"],
    key_func=_second_factor_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message="too many codes tried",
)
def second_factor():
    """The second step of signing in: a code from the authenticator, or a recovery code."""
    sign_in, user = sessions.pending()
    if sign_in is None or sign_in.awaiting != "code":
        return _sign_in_again()
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.check_code(user, form.code.data):
            return redirect(_finish_sign_in(sign_in, user, two_factor=True))
        db.session.commit()
        form.code.errors = [
            "The code is not right. Enter the code your app shows now (it changes every "
            "30 seconds), or one of your recovery codes."
        ]
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


def _set_up_page(user, form, *, at_sign_in):
    secret = two_factor.begin_enrolment(user)
    db.session.commit()
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/two_factor_set_up.html",
        form=form,
        user=user,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        # segno draws the address as squares: no text of ours reaches the markup
        qr_code=Markup(two_factor.qr_code_svg(uri)),  # noqa: S704
        at_sign_in=at_sign_in,
    )


def _confirm_set_up(user, form):
    """Recovery codes when the first code is right; otherwise None with a form error."""
    codes = two_factor.confirm_enrolment(user, form.code.data)
    if codes is None:
        form.code.errors = ["The code is not right. Enter the 6-digit code your app shows now."]
    return codes


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SECOND_FACTOR_LIMIT"],
    key_func=_second_factor_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 200,
    error_message="too many codes tried",
)
def set_up_at_sign_in():
    """Roles that must use two-factor sign-in set it up before their first page."""
    sign_in, user = sessions.pending()
    if sign_in is None or sign_in.awaiting != "enrolment":
        return _sign_in_again()
    form = CodeForm()
    if form.validate_on_submit():
        codes = _confirm_set_up(user, form)
        if codes is not None:
            next_page = _finish_sign_in(sign_in, user, two_factor=True)
            return render_template("auth/recovery_codes.html", codes=codes, next_page=next_page)
        db.session.commit()
        return _set_up_page(user, form, at_sign_in=True), 400
    return _set_up_page(user, form, at_sign_in=True)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
@limiter.limit(
    lambda: current_app.config["SECOND_FACTOR_LIMIT"],
    key_func=lambda: f"second-factor:{current_user.get_id()}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 200,
    error_message="too many codes tried",
)
def two_factor_account():
    """Anyone signed in can set up (or replace) their authenticator."""
    user = current_user._get_current_object()
    if request.method == "GET" and user.has_two_factor and request.args.get("replace") != "y":
        return render_template(
            "auth/two_factor_status.html",
            user=user,
            remaining=two_factor.remaining_recovery_codes(user),
        )
    form = CodeForm()
    if form.validate_on_submit():
        codes = _confirm_set_up(user, form)
        if codes is not None:
            db.session.commit()
            return render_template(
                "auth/recovery_codes.html", codes=codes, next_page=url_for("consultations.index")
            )
        db.session.commit()
        return _set_up_page(user, form, at_sign_in=False), 400
    return _set_up_page(user, form, at_sign_in=False)


def _link_page(response):
    """A page reached through a secret link: it must not leak in a Referer or a cache."""
    response = make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["TOKEN_LOOKUP_LIMIT"])
def accept_invitation(token):
    invitation = accounts.find_invitation(token)
    if invitation is None:
        return _link_page((render_template("auth/invitation_gone.html"), 404))
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(invitation, form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Your password is saved, {user.name}. Sign in with it now.", "success")
            return _link_page(redirect(url_for("auth.sign_in")))
    return _link_page(
        (
            render_template("auth/choose_password.html", form=form, user=invitation.user),
            400 if form.errors else 200,
        )
    )
