"""Drafting and closing consultations."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from consult.audit import services as audit
from consult.consultations.letters import letter_problems
from consult.consultations.models import Consultation, Criterion, Document, Option, Score
from consult.dates import deadline_too_far
from consult.db import utcnow
from consult.directory.models import Organisation
from consult.extensions import db
from consult.requests.models import RecipientLink, Request
from consult.text import is_one_line


class ConsultationError(ValueError):
    """The consultation cannot be changed as asked; the message says why."""


def get_consultation_by_reference(reference):
    return db.session.scalar(select(Consultation).where(Consultation.reference == reference))


def create_consultation(*, reference, title, created_by, **fields):
    """Start a draft. ``fields`` are the other columns (summary, question, letter ...)."""
    reference = reference.strip()
    if not reference or not title.strip():
        raise ConsultationError("Enter a reference and a title")
    if not is_one_line(title):
        raise ConsultationError("The title must be on one line, without line breaks")
    if get_consultation_by_reference(reference) is not None:
        raise ConsultationError(f"There is already a consultation with reference {reference}")
    deadline = fields.get("deadline_at")
    if deadline is not None and deadline.tzinfo is None:
        raise ConsultationError("The deadline must have a time zone")
    if deadline is not None and deadline_too_far(deadline, utcnow()):
        raise ConsultationError("The deadline must be within five years of today")
    if fields.get("letter"):
        _check_letter(fields["letter"])
    fields.setdefault("retention_days", current_app.config["DEFAULT_RETENTION_DAYS"])
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


def close_when_due(now=None):
    """Close the open consultations whose officer chose to close them a set time after
    the deadline, once that time has come. Returns how many were closed."""
    now = now or utcnow()
    closed = 0
    for consultation in db.session.scalars(
        select(Consultation).where(
            Consultation.state == "open", Consultation.auto_close_days.is_not(None)
        )
    ):
        if now >= consultation.deadline_at + timedelta(days=consultation.auto_close_days):
            close(consultation, at=now)
            closed += 1
    return closed


# --- Drafting ----------------------------------------------------------------------------

DETAIL_FIELDS = (
    "title",
    "reference",
    "summary",
    "question",
    "signatory",
    "deadline_at",
    "accepts_late_replies",
    "reminder_offsets_days",
    "retention_days",
    "auto_close_days",
)


def update_details(consultation, *, by, **fields):
    """Change a draft's details (any of DETAIL_FIELDS). The reference stays unique."""
    _require_draft(consultation, "The details")
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise ConsultationError(f"Unknown details: {', '.join(sorted(unknown))}")
    if "reference" in fields:
        reference = fields["reference"].strip()
        other = get_consultation_by_reference(reference)
        if not reference:
            raise ConsultationError("Enter a reference")
        if other is not None and other.id != consultation.id:
            raise ConsultationError(f"There is already a consultation with reference {reference}")
        fields["reference"] = reference
    if "title" in fields:
        fields["title"] = fields["title"].strip()
        if not fields["title"]:
            raise ConsultationError("Enter a title")
        if not is_one_line(fields["title"]):
            raise ConsultationError("The title must be on one line, without line breaks")
    deadline = fields.get("deadline_at")
    if deadline is not None and deadline.tzinfo is None:
        raise ConsultationError("The deadline must have a time zone")
    if deadline is not None and deadline_too_far(deadline, utcnow()):
        raise ConsultationError("The deadline must be within five years of today")
    if "reminder_offsets_days" in fields:
        fields["reminder_offsets_days"] = sorted(set(fields["reminder_offsets_days"]))
    for name, value in fields.items():
        setattr(consultation, name, value)
    db.session.flush()
    audit.record("consultation changed", user=by, consultation=consultation, fields=sorted(fields))
    return consultation


def save_letter(consultation, letter, *, by):
    """Keep the letter only if it renders: a mistake is reported now, never at send time."""
    _require_draft(consultation, "The letter")
    _check_letter(letter)
    consultation.letter = letter
    audit.record("letter changed", user=by, consultation=consultation)
    return consultation


def _check_letter(letter):
    problems = letter_problems(letter)
    if problems:
        raise ConsultationError(problems[0])


def update_option(option, *, name, description=""):
    _require_draft(option.consultation, "Options")
    if not name.strip():
        raise ConsultationError("Enter the option's name")
    option.name, option.description = name.strip(), description.strip()
    db.session.flush()
    return option


def set_preferred(option):
    """Mark ``option`` as the preferred one; the others lose the mark."""
    _require_draft(option.consultation, "Options")
    for other in option.consultation.options:
        other.is_preferred = False
    db.session.flush()
    option.is_preferred = True
    db.session.flush()
    return option


def remove_option(option):
    """Remove an option and its scores; the rest close up in order."""
    consultation = option.consultation
    _require_draft(consultation, "Options")
    consultation.options.remove(option)
    db.session.delete(option)
    _renumber(consultation.options)
    db.session.flush()


def move_option(option, step):
    """Move an option up (step -1) or down (step 1) the list."""
    _move(option.consultation.options, option, step, "Options")


def update_criterion(criterion, name):
    _require_draft(criterion.consultation, "The appraisal")
    if not name.strip():
        raise ConsultationError("Enter the criterion")
    criterion.name = name.strip()
    db.session.flush()
    return criterion


def remove_criterion(criterion):
    consultation = criterion.consultation
    _require_draft(consultation, "The appraisal")
    consultation.criteria.remove(criterion)
    db.session.delete(criterion)
    _renumber(consultation.criteria)
    db.session.flush()


def move_criterion(criterion, step):
    _move(criterion.consultation.criteria, criterion, step, "The appraisal")


def set_scores(consultation, scores):
    """Set many cells at once: ``scores`` maps (option_id, criterion_id) to 0..5 or None
    (None clears the cell). Every value is checked before any is stored."""
    _require_draft(consultation, "The appraisal")
    option_ids = {option.id for option in consultation.options}
    criterion_ids = {criterion.id for criterion in consultation.criteria}
    for (option_id, criterion_id), value in scores.items():
        if option_id not in option_ids or criterion_id not in criterion_ids:
            raise ConsultationError("A score is for an option or criterion not in this draft")
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 5):
            raise ConsultationError("Each score must be a whole number from 0 to 5")
    existing = {
        (score.option_id, score.criterion_id): score
        for score in db.session.scalars(select(Score).where(Score.option_id.in_(option_ids)))
    }
    for key, value in scores.items():
        score = existing.get(key)
        if value is None:
            if score is not None:
                db.session.delete(score)
        elif score is None:
            db.session.add(Score(option_id=key[0], criterion_id=key[1], value=value))
        else:
            score.value = value
    db.session.flush()
    for option in consultation.options:
        db.session.expire(option, ["scores"])


def _renumber(items):
    for position, item in enumerate(items):
        item.position = position


def _move(items, item, step, what):
    _require_draft(item.consultation, what)
    index = items.index(item)
    target = index + step
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    _renumber(items)
    db.session.flush()


def add_document(consultation, stored_file, *, title, by):
    """Attach a paper (already stored and typed by its content) to a draft."""
    _require_draft(consultation, "Documents")
    title = title.strip() or stored_file.original_filename
    document = Document(
        consultation=consultation,
        stored_file=stored_file,
        title=title[:300],
        position=len(consultation.documents),
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "document added", user=by, consultation=consultation, document_id=document.id, title=title
    )
    return document


def remove_document(document, *, by):
    consultation = document.consultation
    _require_draft(consultation, "Documents")
    consultation.documents.remove(document)
    db.session.delete(document)
    _renumber(consultation.documents)
    db.session.flush()
    audit.record("document removed", user=by, consultation=consultation, title=document.title)


def copy_consultation(source, *, by):
    """A new draft with everything of ``source`` but its state, dates and replies: the
    options, appraisal, letter, documents, policy and recipients. The deadline is left for
    the officer to set, and the reference gets a suffix until it is unique."""

    reference = f"{source.reference}-COPY"[:60]
    number = 1
    while get_consultation_by_reference(reference) is not None:
        number += 1
        reference = f"{source.reference[:52]}-COPY-{number}"
    copy = Consultation(
        reference=reference,
        title=f"Copy of {source.title}"[:300],
        summary=source.summary,
        question=source.question,
        letter=source.letter,
        signatory=source.signatory,
        accepts_late_replies=source.accepts_late_replies,
        reminder_offsets_days=list(source.reminder_offsets_days or []),
        retention_days=source.retention_days,
        auto_close_days=source.auto_close_days,
        created_by_id=by.id,
    )
    db.session.add(copy)
    db.session.flush()
    options = {}
    for option in source.options:
        options[option.id] = Option(
            consultation_id=copy.id,
            position=option.position,
            name=option.name,
            description=option.description,
            is_preferred=option.is_preferred,
        )
    criteria = {
        criterion.id: Criterion(
            consultation_id=copy.id, position=criterion.position, name=criterion.name
        )
        for criterion in source.criteria
    }
    db.session.add_all([*options.values(), *criteria.values()])
    db.session.flush()
    scores = db.session.scalars(select(Score).where(Score.option_id.in_(list(options)))).all()
    db.session.add_all(
        Score(
            option_id=options[score.option_id].id,
            criterion_id=criteria[score.criterion_id].id,
            value=score.value,
        )
        for score in scores
    )
    db.session.add_all(
        Document(
            consultation_id=copy.id,
            stored_file_id=document.stored_file_id,
            title=document.title,
            position=document.position,
        )
        for document in source.documents
    )
    _copy_recipients(source, copy, Request, RecipientLink)
    db.session.flush()
    audit.record("consultation copied", user=by, consultation=copy, source_id=source.id)
    return copy


def _copy_recipients(source, copy, Request, RecipientLink):
    """The source's organisations and contacts, as draft requests of the copy; withdrawn
    requests and archived organisations are left out."""

    rows = db.session.execute(
        select(Request.organisation_id, RecipientLink.contact_id)
        .join(RecipientLink, RecipientLink.request_id == Request.id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(
            Request.consultation_id == source.id,
            Request.status != "withdrawn",
            Organisation.is_archived.is_(False),
        )
        .order_by(Request.id, RecipientLink.id)
    ).all()
    requests = {}
    for organisation_id, _contact_id in rows:
        if organisation_id not in requests:
            requests[organisation_id] = Request(
                consultation_id=copy.id, organisation_id=organisation_id, status="draft"
            )
            db.session.add(requests[organisation_id])
    db.session.flush()
    db.session.add_all(
        RecipientLink(request_id=requests[organisation_id].id, contact_id=contact_id)
        for organisation_id, contact_id in rows
    )
