"""Consult: a council's formal consultation with its partner organisations."""

from pathlib import Path

from flask import Flask
from flask.templating import Environment as FlaskEnvironment
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from jinja2.filters import do_indent
from markupsafe import Markup

from config import config_from_environment

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class=None):
    """Build the app: configuration, extensions, Celery, blueprints, CLI."""
    config_class = config_class or config_from_environment()
    config_class.check()

    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.jinja_environment = TemplateEnvironment
    app.config.from_object(config_class)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    for uri_key in ("SQLALCHEMY_DATABASE_URI",):
        uri = app.config[uri_key]
        if uri.startswith("sqlite:///"):
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    _init_templates(app)
    _mask_tokens_in_logs()
    _init_extensions(app)

    from consult import security

    security.init_app(app)

    from consult.auth.routes import bp as auth_bp
    from consult.auth.user_routes import bp as users_bp
    from consult.consultations.routes import bp as consultations_bp
    from consult.correspondence.routes import bp as correspondence_bp
    from consult.correspondence.routes import mailbox_bp
    from consult.directory.routes import bp as directory_bp
    from consult.errors import init_app as init_errors
    from consult.issuing.routes import bp as issuing_bp
    from consult.publish.routes import bp as publish_bp
    from consult.record.routes import bp as record_bp
    from consult.reminders.routes import bp as reminders_bp
    from consult.respond.routes import bp as respond_bp
    from consult.retention.routes import bp as retention_bp
    from consult.review.routes import bp as review_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(correspondence_bp)
    app.register_blueprint(issuing_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(publish_bp)
    app.register_blueprint(record_bp)
    app.register_blueprint(retention_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(reminders_bp)
    if app.config["MAIL_BACKEND"] == "mailbox":
        app.register_blueprint(mailbox_bp)
    init_errors(app)
    security.check_every_route_declares_access(app)

    from consult.cli import consult_cli

    app.cli.add_command(consult_cli)

    from worker.celery_app import celery_init_app

    celery_init_app(app)
    return app


class TemplateEnvironment(FlaskEnvironment):
    """Flask's Jinja environment, with a template's globals kept in a plain dict.

    Jinja layers each template's own globals over the environment's in a ChainMap, and
    compares them with the page's on every ``{% from ... import %}`` that runs. GOV.UK
    Frontend's macros import one another dozens of times a page, and that comparison,
    through a ChainMap, took a tenth of the time of rendering a partner's form. No
    template of ours has globals of its own, and the environment's are all set before
    the first page (in ``create_app``), so the environment's own dict serves.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["indent"] = indent

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)

    def getattr(self, obj, attribute):
        """``params.name`` on a plain dict: the key, without first failing to find an
        attribute of that name. GOV.UK Frontend's macros do this about a thousand times
        a page, and Jinja's way raises and catches an AttributeError each time. A dict's
        own attributes (``items``, ``get``...) still win, as in Jinja."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


def indent(s, width=4, first=False, blank=False):
    """Jinja's ``indent`` filter, the same output, in plain string operations.

    GOV.UK Frontend's macros indent every nested component's HTML, a few hundred times
    on a partner's form. Jinja's filter joins the lines as Markup, escaping each piece
    again though it is already safe; the indentation is spaces and the lines are already
    escaped, so joining them as plain text and marking the whole once gives the same
    HTML in a fraction of the time.
    """
    if not isinstance(s, str):
        return do_indent(s, width, first, blank)
    indention = width if isinstance(width, str) else " " * width
    lines = (str(s) + "\n").splitlines()
    if blank:
        text = ("\n" + indention).join(lines)
    else:
        text = "\n".join([lines[0], *(indention + line if line else line for line in lines[1:])])
    if first:
        text = indention + text
    # Safe when the input was: only its own lines and the indentation are joined here.
    return Markup(text) if isinstance(s, Markup) else text  # noqa: S704


def _init_templates(app):
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    from consult import dates, text
    from consult.db import utcnow

    app.jinja_env.filters["datetime"] = dates.format_datetime
    app.jinja_env.filters["short_datetime"] = dates.format_short_datetime
    app.jinja_env.filters["date"] = dates.format_date
    app.jinja_env.filters["paragraphs"] = text.paragraphs
    app.jinja_env.filters["time_left"] = lambda deadline: dates.time_left(deadline, utcnow())

    @app.context_processor
    def service_details():
        return {
            "serviceName": app.config["SERVICE_NAME"],
            "council_name": app.config["COUNCIL_NAME"],
            "mailbox_enabled": app.config["MAIL_BACKEND"] == "mailbox",
        }


def _init_extensions(app):
    from consult import models  # noqa: F401  (every model, for the metadata)
    from consult.auth import sessions
    from consult.db import configure_sqlite
    from consult.extensions import csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    from consult.audit import chain

    chain.init_app(db.session)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    sessions.init_app(app)


def _mask_tokens_in_logs():
    """Keep partners' tokens out of access logs: /r/<token> is logged as /r/[token]."""
    import logging

    from consult.logs import TokenMaskingFilter

    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "celery", "consult"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMaskingFilter) for f in logger.filters):
            logger.addFilter(TokenMaskingFilter())
