"""Large amounts of realistic data, made in the database with INSERT ... SELECT."""

from datetime import timedelta

import sqlalchemy as sa

from consult.db import utcnow
from consult.extensions import db

PARTNERS_PER_CONSULTATION = 10_000


def open_consultation(officer, reference, *, deadline_days=14):
    from tests import factories

    consultation = factories.create_ready_consultation(
        officer, [], reference=reference, deadline=utcnow() + timedelta(days=deadline_days)
    )
    consultation.state = "open"
    consultation.issued_at = utcnow() - timedelta(days=10)
    db.session.flush()
    return consultation


def issue_to_everyone(consultation, *, limit, offset=0):
    """Requests, links (issued, live) for the first ``limit`` organisations: in SQL."""
    now = utcnow()
    db.session.execute(
        sa.text(
            "INSERT INTO requests (consultation_id, organisation_id, status, issued_at,"
            " decline_reason, created_at)"
            " SELECT :consultation, id, 'sent', :issued, '', :now FROM organisations"
            " ORDER BY id LIMIT :limit OFFSET :offset"
        ),
        {
            "consultation": consultation.id,
            "issued": consultation.issued_at,
            "now": now,
            "limit": limit,
            "offset": offset,
        },
    )
    db.session.execute(
        sa.text(
            "INSERT INTO recipient_links (request_id, contact_id, issued_at, expires_at)"
            " SELECT r.id, c.id, :issued, :expires FROM requests r"
            " JOIN contacts c ON c.organisation_id = r.organisation_id"
            " WHERE r.consultation_id = :consultation"
        ),
        {
            "consultation": consultation.id,
            "issued": consultation.issued_at,
            "expires": consultation.deadline_at + timedelta(days=28),
        },
    )


def respond_to_all(consultation, *, late_every=10):
    """A response from every request: stances in turn, one in ``late_every`` late."""
    deadline = consultation.deadline_at
    db.session.execute(
        sa.text(
            "INSERT INTO responses (request_id, version, stance, comments, responder_name,"
            " responder_role, publication, channel, received_at, created_at)"
            " SELECT id, 1,"
            " (ARRAY['supports','supports_with_reservations','does_not_support','no_view'])"
            "[1 + id % 4], 'We have read the appraisal and this is our view.', 'A Person',"
            " 'Head', 'publish', 'web',"
            " CASE WHEN id % :late = 0 THEN :after ELSE :before END, :now"
            " FROM requests WHERE consultation_id = :consultation"
        ),
        {
            "consultation": consultation.id,
            "late": late_every,
            "after": deadline + timedelta(days=1),
            "before": deadline - timedelta(days=3),
            "now": utcnow(),
        },
    )
    db.session.execute(
        sa.text(
            "UPDATE requests SET status = 'responded', response_version = 1,"
            " responded_at = r.received_at FROM responses r"
            " WHERE r.request_id = requests.id AND requests.consultation_id = :consultation"
        ),
        {"consultation": consultation.id},
    )


def reminder_slots(consultation, *, due_every=100):
    """One reminder slot per request, one in ``due_every`` due now, the rest next week."""
    now = utcnow()
    db.session.execute(
        sa.text(
            "INSERT INTO reminder_slots (request_id, offset_days, due_at, created_at)"
            " SELECT id, -7, CASE WHEN id % :every = 0 THEN :due ELSE :later END, :now"
            " FROM requests WHERE consultation_id = :consultation"
        ),
        {
            "consultation": consultation.id,
            "every": due_every,
            "due": now - timedelta(minutes=1),
            "later": now + timedelta(days=7),
            "now": now,
        },
    )
