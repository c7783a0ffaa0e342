"""Fixtures: an app on each database, a client, and signing in as each role; and the real
mail servers (``tests.mail_servers``: ``dovecot``, ``mailbox``, ``postfix``).

Every test that asks for ``app`` runs twice: on SQLite and on PostgreSQL.
"""

import secrets

import jinja2
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from config import TestConfig, celery_settings
from consult import create_app
from consult.auth import passwords
from consult.extensions import db, limiter
from tests import factories
from tests.mail_servers import dovecot, mailbox, postfix  # noqa: F401 (fixtures)
from tests.services import POSTGRES_URL, postgres_available, require

_schemas_made = set()
_tables_emptied_by_truncate = {}


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at its cheapest, as in tests/forms_walk.py: its cost is a setting no test
    is about, and at the recommended one hashing took a quarter of the suite's time."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_UNUSED_HASH", cheap.hash("no account has this password"))
        yield


class CompiledTemplates(jinja2.BytecodeCache):
    """Each test has an app of its own, and each app's Jinja environment compiled every
    template it rendered again (a third of a test's time). Compiled once for the run here,
    through Jinja's own bytecode cache, which recompiles a template whose source changed.
    Kept apart for environments that would compile a template differently."""

    _by_environment = {}

    def __init__(self):
        self.code = {}

    @classmethod
    def for_environment(cls, environment):
        return cls._by_environment.setdefault(cls._shape(environment), cls())

    @staticmethod
    def _shape(environment):
        """What Jinja's lexer and compiler read from the environment."""
        autoescape = environment.autoescape
        return (
            type(environment),
            environment.block_start_string,
            environment.block_end_string,
            environment.variable_start_string,
            environment.variable_end_string,
            environment.comment_start_string,
            environment.comment_end_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.newline_sequence,
            environment.keep_trailing_newline,
            environment.optimized,
            environment.is_async,
            environment.finalize,
            getattr(autoescape, "__func__", autoescape),
            environment.policies.get("compiler.ascii_str"),
            tuple(sorted(environment.extensions)),
            tuple(sorted(environment.filters)),
            tuple(sorted(environment.tests)),
        )

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh database on the PostgreSQL server for this test run, dropped at the end."""
    require(postgres_available(), "PostgreSQL")
    name = f"consult_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'consult.sqlite'}"
    return request.getfixturevalue("postgres_database")


def make_config(database_url, tmp_path, **overrides):
    """A TestConfig subclass on ``database_url`` with files under ``tmp_path``."""
    attributes = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Forms are posted without tokens here; tests/test_security.py proves CSRF is on.
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAILBOX_DIR": str(tmp_path / "mailbox"),
        # Tasks sent by the code under test go to a broker file of this test's own.
        "CELERY": celery_settings(None, tmp_path),
        **overrides,
    }
    return type("TestRunConfig", (TestConfig,), attributes)


def empty_all_tables():
    """Every row gone and, on PostgreSQL, every id counting from 1 again.

    On PostgreSQL a TRUNCATE of every table took up to half a second a test; a DELETE of
    a few rows takes next to nothing. Only a table whose triggers refuse a DELETE (the
    audit events) is truncated.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        truncated = _tables_with_triggers()
        if truncated:
            names = ", ".join(f'"{name}"' for name in sorted(truncated))
            db.session.execute(sa.text(f"TRUNCATE {names} CASCADE"))
        for table in tables:
            if table.name not in truncated:
                db.session.execute(table.delete())
        db.session.execute(
            sa.text(
                "SELECT setval(oid, 1, false) FROM pg_class"
                " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"
            )
        )
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def _tables_with_triggers():
    """The tables of this database with triggers of our own (not foreign keys')."""
    url = db.engine.url.render_as_string(hide_password=False)
    if url not in _tables_emptied_by_truncate:
        _tables_emptied_by_truncate[url] = set(
            db.session.scalars(
                sa.text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t"
                    " JOIN pg_class c ON c.oid = t.tgrelid"
                    " WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
                )
            )
        )
    return _tables_emptied_by_truncate[url]


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path))
    app.jinja_env.bytecode_cache = CompiledTemplates.for_environment(app.jinja_env)
    with app.app_context():
        if database_url not in _schemas_made:
            db.drop_all()
            db.create_all()
            _schemas_made.add(database_url)
        limiter.reset()
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


class RequestClient(FlaskClient):
    """Each request runs in an app context of its own, as it would in a server.

    The test's own context (and its database session and ``g``) stays apart, so nothing
    cached during one request leaks into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = RequestClient
    return app.test_client()


@pytest.fixture
def sign_in(client):
    """Sign the client in as a new user with ``role``; returns the user."""

    def sign_in_as(role, **fields):
        user = factories.create_user(role=role, **fields)
        db.session.commit()
        response = client.post(
            "/sign-in",
            data={"email": user.email, "password": factories.PASSWORD},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in_as


class QueryCounter:
    """Counts the SQL statements the app runs while it is active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...``, then ``queries.count``."""
    return lambda: QueryCounter(db.engine)


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free port; the test app is pointed at it by ``smtp_app``."""
    from tests.smtp import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    """The test app, sending through the test SMTP server instead of the mailbox."""
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_TIMEOUT_SECONDS=5,
    )
    return app
