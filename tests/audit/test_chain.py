"""The audit trail is append-only and hash-chained: an edited or deleted event is found."""

import itertools
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from consult import create_app
from consult.audit import services as audit
from consult.audit.chain import GENESIS, verify
from consult.audit.models import AuditChainHead, AuditEvent
from consult.auth.models import User
from consult.extensions import db
from tests import factories
from tests.conftest import make_config
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)

_numbers = itertools.count()


def record_events(count, action="signed in"):
    user = factories.create_user("officer", email=f"user{next(_numbers)}@council.example")
    for number in range(count):
        audit.record(action, user=user, number=number)
    db.session.commit()


def raw(sql, **parameters):
    """Change the table behind the application's back, as an intruder with database access
    would: on PostgreSQL with the append-only trigger switched off."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as connection:
        if postgres:
            connection.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        connection.execute(sa.text(sql), parameters)
        if postgres:
            connection.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


def test_events_are_sealed_in_order_as_they_commit(app):
    record_events(3)
    record_events(2, action="signed out")

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all()
    # each batch also has the "user created" event of its user
    assert [event.sequence for event in events] == list(range(1, 8))
    assert [event.action for event in events].count("signed out") == 2
    assert events[0].previous_hash == GENESIS
    assert all(later.previous_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert db.session.get(AuditChainHead, 1).hash == events[-1].hash
    verdict = verify(db.session)
    assert verdict.intact and verdict.events == 7


def test_events_rolled_back_never_enter_the_chain(app):
    record_events(1)
    user = factories.create_user("scrutiny")
    db.session.commit()
    audit.record("signed in", user=user)
    db.session.rollback()
    record_events(1, action="signed out")
    assert verify(db.session).intact
    # user created, signed in; scrutiny user created; (rolled back); user created, signed out
    assert db.session.scalar(select(sa.func.max(AuditEvent.sequence))) == 5
    assert db.session.scalar(select(sa.func.count()).where(AuditEvent.sequence.is_(None))) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "UPDATE audit_events SET action = 'signed out' WHERE sequence = 2",
            "Event 2 (id 2, signed out) has been changed since it was recorded",
        ),
        (
            "UPDATE audit_events SET details = '{\"number\": 99}' WHERE sequence = 3",
            "Event 3 (id 3, signed in) has been changed",
        ),
        ("DELETE FROM audit_events WHERE sequence = 2", "Event 2 is missing"),
        ("DELETE FROM audit_events WHERE sequence = 5", "latest events have been deleted"),
    ],
)
def test_an_edited_or_deleted_event_is_caught(app, change, message):
    record_events(4)
    raw(change)
    verdict = verify(db.session)
    assert not verdict.intact
    assert message in verdict.message


def test_a_rehashed_edit_is_still_caught_by_the_next_link(app):
    record_events(3)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.sequence == 2))
    raw("UPDATE audit_events SET hash = :hash WHERE sequence = 2", hash="f" * 64)
    db.session.expire_all()
    verdict = verify(db.session)
    assert not verdict.intact
    assert "Event 2" in verdict.message
    assert event.id == 2


def test_the_command_names_the_first_broken_link(app):
    record_events(3)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["consult", "verify-audit"])
    assert good.exit_code == 0 and "intact: 4 events" in good.output

    raw("UPDATE audit_events SET user_id = NULL WHERE sequence = 2")
    bad = runner.invoke(args=["consult", "verify-audit"])
    assert bad.exit_code == 1
    assert "Event 2 (id 2, signed in) has been changed" in bad.output


ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_postgresql_refuses_to_change_or_delete_a_sealed_event(app):
    record_events(2)
    for statement in (
        "UPDATE audit_events SET action = 'x' WHERE sequence = 1",
        "DELETE FROM audit_events WHERE sequence = 2",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="never"), db.engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert verify(db.session).intact


@ON_POSTGRESQL
def test_concurrent_writers_make_one_unbroken_chain(app):
    user = factories.create_user("officer")
    db.session.commit()
    user_id = user.id
    errors = []

    def write(number):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                for index in range(10):
                    audit.record("signed in", user=user, writer=number, n=index)
                    db.session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = verify(db.session)
    assert verdict.intact and verdict.events == 51  # and the user's creation


def test_the_migration_chains_events_recorded_before_it(empty_database_url, tmp_path):  # noqa: F811
    app = create_app(make_config(empty_database_url, tmp_path))
    with app.app_context():
        upgrade(revision="798192883173")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, name, role, password_hash, is_disabled, created_at)"
                    " VALUES ('old@council.example', 'Old', 'officer', 'x', false, :now)"
                ),
                {"now": "2026-01-01 09:00:00"},
            )
            for number in range(3):
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_events (occurred_at, action, user_id, details)"
                        " VALUES (:when, 'signed in', 1, '{}')"
                    ),
                    {"when": f"2026-01-0{number + 1} 09:00:00"},
                )
        upgrade()
        verdict = verify(db.session)
        assert verdict.intact and verdict.events == 3
        db.session.remove()
        db.engine.dispose()
