"""Consult: a council's formal consultation with its partner organisations."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_from_environment

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class=None):
    """Build the app: configuration, extensions, Celery, blueprints, CLI.

    The features are imported here, when the app is made, as in Flask's own tutorial, so
    that importing any one module of ``consult`` does not import them all.
    """
    # ``models`` imports every model, for the metadata.
    from consult import models, security, templating  # noqa: F401
    from consult.audit import chain
    from consult.auth import sessions
    from consult.celery import celery_init_app
    from consult.cli import consult_cli
    from consult.db import configure_sqlite
    from consult.errors import init_app as init_errors
    from consult.extensions import csrf, db, limiter, login_manager, migrate
    from consult.logs import TokenMaskingFilter
    from consult.paging import DatabaseIdConverter

    config_class = config_class or config_from_environment()
    config_class.check()

    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.url_map.converters["int"] = DatabaseIdConverter
    app.jinja_environment = templating.TemplateEnvironment
    app.config.from_object(config_class)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    templating.init_app(app, ROOT / "templates")
    # Partners' tokens stay out of access logs: /r/<token> is logged as /r/[token].
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "celery", "consult"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMaskingFilter) for f in logger.filters):
            logger.addFilter(TokenMaskingFilter())

    db.init_app(app)
    chain.init_app(db.session)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    sessions.init_app(app)
    security.init_app(app)

    _register_blueprints(app)
    _share_with_templates(app)
    init_errors(app)
    security.check_every_route_declares_access(app)

    app.cli.add_command(consult_cli)
    celery_init_app(app)
    return app


def _register_blueprints(app):
    """Every feature's pages; the development mailbox only where mail goes to it."""
    from consult.auth.routes import bp as auth_bp
    from consult.auth.user_routes import bp as users_bp
    from consult.consideration.partner_routes import bp as outcome_bp
    from consult.consideration.routes import bp as consideration_bp
    from consult.consultations.routes import bp as consultations_bp
    from consult.directory.routes import bp as directory_bp
    from consult.inbox.routes import bp as inbox_bp
    from consult.issuing.recipient_routes import bp as recipients_bp
    from consult.issuing.routes import bp as issuing_bp
    from consult.mailbox.routes import bp as mailbox_bp
    from consult.pages.routes import bp as pages_bp
    from consult.publish.check_routes import bp as letter_checks_bp
    from consult.publish.routes import bp as publish_bp
    from consult.record.routes import bp as record_bp
    from consult.reminders.routes import bp as reminders_bp
    from consult.respond.routes import bp as respond_bp
    from consult.retention.routes import bp as retention_bp
    from consult.review.correspondence_routes import bp as correspondence_bp
    from consult.review.routes import bp as review_bp

    for blueprint in (
        auth_bp,
        users_bp,
        consultations_bp,
        correspondence_bp,
        issuing_bp,
        recipients_bp,
        directory_bp,
        respond_bp,
        publish_bp,
        letter_checks_bp,
        consideration_bp,
        outcome_bp,
        record_bp,
        inbox_bp,
        retention_bp,
        review_bp,
        reminders_bp,
        pages_bp,
    ):
        app.register_blueprint(blueprint)
    if app.config["MAIL_BACKEND"] == "mailbox":
        app.register_blueprint(mailbox_bp)


def _share_with_templates(app):
    """Facts a page shows of a feature that sits above its own in the layering: the
    consultation page counts the emails that arrived (consult/inbox), which itself reads
    consultations, so consult/consultations does not import it; its template calls these."""
    from consult.inbox.queries import count_consultation_arrivals, count_unmatched
    from consult.issuing import schedule

    app.jinja_env.globals.update(
        arrival_counts=count_consultation_arrivals,
        unmatched_count=count_unmatched,
        # When reminders go (consult/issuing/schedule.py), on the consultation's and each
        # request's page: reminders read consultations, so consult/consultations does not.
        planned_reminders=schedule.planned_reminders,
        next_reminder=schedule.fetch_next_reminder,
        request_reminders=schedule.fetch_request_reminders,
    )
