"""Configuration, read from the environment and chosen by one variable: CONSULT_CONFIG.

CONSULT_CONFIG is ``production`` (the default), ``development`` or ``test``. Development and
test run on embedded defaults: a SQLite file under ``instance/``, a Celery broker in a
SQLite file beside it, and mail written as .eml files under ``instance/mailbox/`` (MAILBOX_DIR)
and shown on the mailbox page.
Production has no default for any secret: start-up fails with a message naming what is
missing.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSULT_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigurationError(RuntimeError):
    """The environment does not give the app what it needs to start."""


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None


def database_url(url):
    """SQLAlchemy URL for DATABASE_URL, using psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def celery_settings(redis_url, instance_dir):
    """Celery settings: Redis when REDIS_URL is set, else an embedded SQLite broker.

    Waits longer than a few minutes are rows in the database that a beat sweep picks up,
    never Celery countdowns, so the visibility timeout only has to outlast the longest
    task (a batch of mail).
    """
    if redis_url:
        broker_url = redis_url
        result_backend = redis_url
    else:
        broker_url = f"sqla+sqlite:///{instance_dir / 'broker.sqlite'}"
        result_backend = f"db+sqlite:///{instance_dir / 'results.sqlite'}"
    visibility_timeout = 60 * 60
    # Redis redelivers a task not acknowledged within the visibility timeout; it must
    # outlast the longest task. (The SQLite transport takes no such option.)
    transport_options = {"visibility_timeout": visibility_timeout} if redis_url else {}
    return {
        "broker_url": broker_url,
        "result_backend": result_backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": False,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": 30 * 60,
        "task_soft_time_limit": 25 * 60,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport_options,
        "result_backend_transport_options": transport_options,
        "result_expires": 24 * 60 * 60,
        "task_default_queue": os.environ.get("CELERY_QUEUE", "celery"),
        "timezone": "Europe/London",
        "enable_utc": True,
        "beat_schedule_filename": str(instance_dir / "celerybeat-schedule"),
    }


class Config:
    """Settings shared by every environment. Values come from the environment."""

    ENV_NAME = "production"
    SERVICE_NAME = "Consult"
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Rotherham Metropolitan Borough Council")

    SECRET_KEY = os.environ.get("SECRET_KEY")
    APP_BASE_URL = os.environ.get("APP_BASE_URL")

    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'consult.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = _bool("SQLALCHEMY_RECORD_QUERIES")

    REDIS_URL = os.environ.get("REDIS_URL") or None
    CELERY = celery_settings(REDIS_URL, INSTANCE_DIR)

    # Mail. MAIL_BACKEND "smtp" sends through MAIL_SERVER (on smtplib); "mailbox" writes each
    # email, as it would go to the server, to an .eml file in MAILBOX_DIR, which the
    # mailbox page shows (development). Either way every email is a Message row first.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    # How Consult signs in to MAIL_SERVER: "password" (MAIL_USERNAME and MAIL_PASSWORD, if
    # set), or "oauth2": SMTP AUTH XOAUTH2 as the mailbox MAIL_USERNAME, with a token got by
    # the client-credentials flow from Microsoft 365 ("microsoft": tenant, client id, and a
    # secret or a certificate) or any OAuth 2.0 token endpoint ("token_url").
    MAIL_AUTH = os.environ.get("MAIL_AUTH", "password")
    MAIL_OAUTH_PROVIDER = os.environ.get("MAIL_OAUTH_PROVIDER", "microsoft")
    MAIL_OAUTH_TENANT_ID = os.environ.get("MAIL_OAUTH_TENANT_ID")
    MAIL_OAUTH_CLIENT_ID = os.environ.get("MAIL_OAUTH_CLIENT_ID")
    MAIL_OAUTH_CLIENT_SECRET = os.environ.get("MAIL_OAUTH_CLIENT_SECRET")
    # A .pem holding the private key (with MAIL_OAUTH_CERTIFICATE_THUMBPRINT), or a .pfx.
    MAIL_OAUTH_CERTIFICATE_PATH = os.environ.get("MAIL_OAUTH_CERTIFICATE_PATH")
    MAIL_OAUTH_CERTIFICATE_THUMBPRINT = os.environ.get("MAIL_OAUTH_CERTIFICATE_THUMBPRINT")
    # Space- or comma-separated; Microsoft's default is Exchange Online's ".default".
    MAIL_OAUTH_SCOPES = tuple(os.environ.get("MAIL_OAUTH_SCOPES", "").replace(",", " ").split())
    MAIL_OAUTH_TOKEN_URL = os.environ.get("MAIL_OAUTH_TOKEN_URL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER")
    MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO")
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 30)
    # Messages per minute; Exchange Online allows 30.
    MAIL_SEND_RATE_PER_MINUTE = _int("MAIL_SEND_RATE_PER_MINUTE", 30)
    MAIL_BATCH_SIZE = _int("MAIL_BATCH_SIZE", 50)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 10)
    MAIL_RETRY_BASE_SECONDS = _int("MAIL_RETRY_BASE_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 60 * 60)
    # A message "sending" longer than this was left by a lost worker: send it again.
    MAIL_SENDING_TIMEOUT_SECONDS = _int("MAIL_SENDING_TIMEOUT_SECONDS", 10 * 60)
    # A delivery task asked for but not started by then (a lost task) is asked for again.
    MAIL_REQUEUE_AFTER_SECONDS = _int("MAIL_REQUEUE_AFTER_SECONDS", 5 * 60)
    # How often beat looks for reminders that are due.
    REMINDER_SWEEP_SECONDS = _int("REMINDER_SWEEP_SECONDS", 5 * 60)
    # How often beat sweeps the outbox.
    OUTBOX_SWEEP_SECONDS = _int("OUTBOX_SWEEP_SECONDS", 30)
    MAIL_SUPPRESS_SEND = False
    MAILBOX_DIR = os.environ.get("MAILBOX_DIR") or str(INSTANCE_DIR / "mailbox")
    # The reply mailbox (MAIL_REPLY_TO), read over IMAP by beat every IMAP_POLL_SECONDS;
    # off while IMAP_HOST is unset. IMAP_AUTH "password" (IMAP_USERNAME, IMAP_PASSWORD) or
    # "oauth2" (XOAUTH2 with a token from the MAIL_OAUTH_* settings). After each message is
    # stored it is flagged as filed ("flag"), or moved to IMAP_MOVE_TO ("move").
    IMAP_HOST = os.environ.get("IMAP_HOST")
    IMAP_PORT = _int("IMAP_PORT", 993)
    IMAP_SSL = _bool("IMAP_SSL", True)
    IMAP_USERNAME = os.environ.get("IMAP_USERNAME")
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD")
    IMAP_AUTH = os.environ.get("IMAP_AUTH", "password")
    IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
    IMAP_AFTER = os.environ.get("IMAP_AFTER", "flag")
    IMAP_MOVE_TO = os.environ.get("IMAP_MOVE_TO", "Filed by Consult")
    IMAP_POLL_SECONDS = _int("IMAP_POLL_SECONDS", 60)
    IMAP_BATCH_SIZE = _int("IMAP_BATCH_SIZE", 100)

    # Sessions. Signed-in sessions are rows in the database, ended on sign-out.
    SESSION_COOKIE_NAME = "__Host-consult_session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)

    # Sign-in throttling: failed attempts per email address from one client address (so
    # that a stranger elsewhere cannot lock the owner out), and per client address.
    SIGN_IN_FAILURE_LIMIT = os.environ.get("SIGN_IN_FAILURE_LIMIT", "5 per 15 minutes")
    SIGN_IN_ADDRESS_LIMIT = os.environ.get("SIGN_IN_ADDRESS_LIMIT", "30 per 15 minutes")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = False

    # A partner's link keeps working this many days after the deadline (for late replies
    # where the consultation accepts them, and to read what was sent).
    LINK_DAYS_AFTER_DEADLINE = _int("LINK_DAYS_AFTER_DEADLINE", 28)
    # How long partners' personal details are kept after a consultation closes, unless
    # the officer drafting it chooses otherwise.
    DEFAULT_RETENTION_DAYS = _int("DEFAULT_RETENTION_DAYS", 730)
    # How long an emailed invitation to choose a password works.
    INVITATION_HOURS = _int("INVITATION_HOURS", 72)
    # How long someone who gave the right password has to give their two-factor code.
    SECOND_FACTOR_MINUTES = _int("SECOND_FACTOR_MINUTES", 10)
    SECOND_FACTOR_LIMIT = os.environ.get("SECOND_FACTOR_LIMIT", "5 per 5 minutes;20 per hour")

    # Look-ups of one partner's link allowed from one client address; and of links that do
    # not exist, per address. Partners behind one NHS or police address each have their
    # own allowance for their own link.
    TOKEN_LOOKUP_LIMIT = os.environ.get("TOKEN_LOOKUP_LIMIT", "10 per minute;100 per hour")
    UNKNOWN_LINK_LIMIT = os.environ.get("UNKNOWN_LINK_LIMIT", "10 per minute;100 per hour")
    # How many proxies in front of the app set X-Forwarded-For and -Proto (0: none), so
    # that limits count the real client's address.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    WTF_CSRF_TIME_LIMIT = None  # bound to the session, so a slow writer loses nothing
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    ALLOW_DEMO = False
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 365 * 24 * 60 * 60

    @classmethod
    def check(cls):
        """Fail at start-up, naming the variable, when a required setting is missing."""
        missing = [name for name in ("SECRET_KEY", "APP_BASE_URL") if not getattr(cls, name)]
        if cls.MAIL_BACKEND == "smtp" and not cls.MAIL_DEFAULT_SENDER:
            missing.append("MAIL_DEFAULT_SENDER")
        if missing:
            raise ConfigurationError(
                "Consult cannot start: set the environment variable"
                f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
                f" (CONSULT_CONFIG is {cls.ENV_NAME!r})."
            )
        if cls.MAIL_BACKEND not in {"smtp", "mailbox"}:
            raise ConfigurationError("MAIL_BACKEND must be 'smtp' or 'mailbox'.")
        if cls.MAIL_AUTH not in {"password", "oauth2"}:
            raise ConfigurationError("MAIL_AUTH must be 'password' or 'oauth2'.")
        if cls.MAIL_AUTH == "oauth2" and cls.MAIL_OAUTH_PROVIDER not in {"microsoft", "token_url"}:
            raise ConfigurationError("MAIL_OAUTH_PROVIDER must be 'microsoft' or 'token_url'.")

    @classmethod
    def missing_for_oauth(cls):
        """The variables MAIL_AUTH=oauth2 still needs for the chosen provider."""
        needed = ["MAIL_USERNAME", "MAIL_OAUTH_CLIENT_ID"]
        if cls.MAIL_OAUTH_PROVIDER == "token_url":
            needed += ["MAIL_OAUTH_TOKEN_URL", "MAIL_OAUTH_CLIENT_SECRET"]
        else:
            needed.append("MAIL_OAUTH_TENANT_ID")
        missing = [name for name in needed if not getattr(cls, name)]
        if cls.MAIL_OAUTH_PROVIDER == "microsoft" and not cls.MAIL_OAUTH_CLIENT_SECRET:
            certificate = cls.MAIL_OAUTH_CERTIFICATE_PATH or ""
            is_pfx = certificate.lower().endswith(".pfx")  # a .pfx carries its own thumbprint
            if not certificate:
                missing.append("MAIL_OAUTH_CLIENT_SECRET or MAIL_OAUTH_CERTIFICATE_PATH")
            elif not (is_pfx or cls.MAIL_OAUTH_CERTIFICATE_THUMBPRINT):
                missing.append("MAIL_OAUTH_CERTIFICATE_THUMBPRINT (for a .pem certificate)")
        return missing


class ProductionConfig(Config):
    @classmethod
    def check(cls):
        super().check()
        if cls.MAIL_BACKEND == "mailbox":
            # The mailbox page would show partners' live links to anyone signed in.
            raise ConfigurationError(
                "Consult cannot start: MAIL_BACKEND=mailbox is for development only; "
                "set MAIL_BACKEND=smtp and the MAIL_SERVER settings (CONSULT_CONFIG is "
                "'production')."
            )
        if cls.MAIL_BACKEND == "smtp" and cls.MAIL_AUTH == "oauth2":
            missing = cls.missing_for_oauth()
            if missing:
                raise ConfigurationError(
                    "Consult cannot start: MAIL_AUTH=oauth2 with MAIL_OAUTH_PROVIDER="
                    f"{cls.MAIL_OAUTH_PROVIDER} needs {', '.join(missing)} (CONSULT_CONFIG is "
                    "'production')."
                )
            # A bearer token lets whoever holds it send as the council's mailbox.
            if not (cls.MAIL_USE_TLS or cls.MAIL_USE_SSL):
                raise ConfigurationError(
                    "Consult cannot start: MAIL_AUTH=oauth2 sends a sign-in token, which must"
                    " not cross the network in the clear; set MAIL_USE_TLS (port 587) or"
                    " MAIL_USE_SSL."
                )
            url = cls.MAIL_OAUTH_TOKEN_URL or ""
            if cls.MAIL_OAUTH_PROVIDER == "token_url" and not url.startswith("https://"):
                raise ConfigurationError(
                    "Consult cannot start: MAIL_OAUTH_TOKEN_URL must be an https:// address."
                )


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-only-not-secret"
    APP_BASE_URL = os.environ.get("APP_BASE_URL") or (
        f"http://localhost:{os.environ.get('PORT', '5000')}"
    )
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "mailbox")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "consult@council.example"
    MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO") or "chief.executive@council.example"
    SESSION_COOKIE_NAME = "consult_session"  # __Host- needs HTTPS
    SESSION_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    ALLOW_DEMO = True
    HSTS_SECONDS = 0


class TestConfig(DevelopmentConfig):
    """Tests, and the worker processes tests start (which take mail settings from the
    environment so that they can send to the test's own SMTP server)."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105 (tests only)
    APP_BASE_URL = "https://consult.council.example"
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'test.sqlite'}"
    )
    SQLALCHEMY_RECORD_QUERIES = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "mailbox")
    MAIL_DEFAULT_SENDER = "consult@council.example"
    MAIL_REPLY_TO = "chief.executive@council.example"
    RATELIMIT_STORAGE_URI = "memory://"


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "test": TestConfig,
}


def config_from_environment():
    """The config class named by CONSULT_CONFIG (production when unset)."""
    name = os.environ.get("CONSULT_CONFIG", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigurationError(
            f"CONSULT_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}."
        ) from None
