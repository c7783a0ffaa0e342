"""Drafting and closing consultations."""

from sqlalchemy import select

from consult.audit import services as audit
from consult.consultations.models import Consultation, Criterion, Option, Score
from consult.db import utcnow
from consult.extensions import db


class ConsultationError(ValueError):
    """The consultation cannot be changed as asked; the message says why."""


def get_consultation_by_reference(reference):
    return db.session.scalar(select(Consultation).where(Consultation.reference == reference))


def create_consultation(*, reference, title, created_by, **fields):
    """Start a draft. ``fields`` are the other columns (summary, question, letter ...)."""
    reference = reference.strip()
    if not reference or not title.strip():
        raise ConsultationError("Enter a reference and a title")
    if get_consultation_by_reference(reference) is not None:
        raise ConsultationError(f"There is already a consultation with reference {reference}")
    deadline = fields.get("deadline_at")
    if deadline is not None and deadline.tzinfo is None:
        raise ConsultationError("The deadline must have a time zone")
    consultation = Consultation(
        reference=reference, title=title.strip(), created_by_id=created_by.id, **fields
    )
    db.session.add(consultation)
    db.session.flush()
    audit.record("consultation created", user=created_by, consultation=consultation)
    return consultation


def _require_draft(consultation, what):
    if consultation.state != "draft":
        raise ConsultationError(f"{what} can only be changed while the consultation is a draft")


def add_option(consultation, *, name, description="", is_preferred=False):
    """Add an option at the end. Marking it preferred unmarks any other."""
    _require_draft(consultation, "Options")
    if is_preferred:
        for option in consultation.options:
            option.is_preferred = False
        db.session.flush()
    option = Option(
        consultation=consultation,
        name=name.strip(),
        description=description,
        is_preferred=is_preferred,
        position=len(consultation.options),
    )
    db.session.add(option)
    db.session.flush()
    return option


def add_criterion(consultation, name):
    _require_draft(consultation, "The appraisal")
    criterion = Criterion(
        consultation=consultation, name=name.strip(), position=len(consultation.criteria)
    )
    db.session.add(criterion)
    db.session.flush()
    return criterion


def set_score(option, criterion, value):
    """Score an option on a criterion, 0 to 5. Totals are computed from these."""
    _require_draft(option.consultation, "The appraisal")
    if not isinstance(value, int) or not 0 <= value <= 5:
        raise ConsultationError("Each score must be a whole number from 0 to 5")
    score = db.session.get(Score, (option.id, criterion.id))
    if score is None:
        score = Score(option=option, criterion=criterion, value=value)
        db.session.add(score)
    else:
        score.value = value
    db.session.flush()
    return score


def close(consultation, *, by=None, at=None):
    """Close an open consultation: no more reminders, replies only if late ones are allowed."""
    if consultation.state != "open":
        raise ConsultationError("Only an open consultation can be closed")
    consultation.state = "closed"
    consultation.closed_at = at or utcnow()
    audit.record("consultation closed", user=by, consultation=consultation)
    return consultation
