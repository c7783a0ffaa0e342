"""Timestamps are stored as UTC and come back timezone-aware on every database."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import StatementError

from consult.dates import london_datetime
from consult.extensions import db
from tests import factories


def test_a_london_time_is_stored_as_utc_and_read_back_aware(app):
    user = factories.create_user("officer")
    user.last_signed_in_at = london_datetime(2017, 4, 7, 17, 0)
    db.session.commit()
    db.session.expire_all()

    assert user.last_signed_in_at == datetime(2017, 4, 7, 16, 0, tzinfo=UTC)
    assert user.last_signed_in_at.tzinfo is not None


def test_a_naive_timestamp_is_refused(app):
    user = factories.create_user("officer")
    user.last_signed_in_at = datetime(2017, 4, 7, 17, 0)
    with pytest.raises(StatementError, match="timezone-aware"):
        db.session.commit()
    db.session.rollback()
