"""The pages a public service must have, linked from every footer: the accessibility
statement, the privacy notice for partners and the cookies page. Anyone may read them."""

from flask import Blueprint, current_app, render_template

from consult.auth.access import public

bp = Blueprint("pages", __name__)


def council_contact():
    """Where people write to the council about the service: its reply address."""
    config = current_app.config
    return config.get("MAIL_REPLY_TO") or config.get("MAIL_DEFAULT_SENDER")


@bp.route("/accessibility")
@public
def accessibility():
    return render_template("pages/accessibility.html", contact=council_contact())


@bp.route("/privacy")
@public
def privacy():
    return render_template(
        "pages/privacy.html",
        contact=council_contact(),
        retention_days=current_app.config["DEFAULT_RETENTION_DAYS"],
    )


@bp.route("/cookies")
@public
def cookies():
    return render_template(
        "pages/cookies.html",
        cookie_name=current_app.config["SESSION_COOKIE_NAME"],
        idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
    )
