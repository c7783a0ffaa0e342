"""The draft's task list: each part of a consultation, whether it is done, and where to
change it. What is done is worked out from the draft and its readiness problems."""

from flask import url_for

from consult.dates import format_datetime


def _status(done, *, optional=False, text=None):
    if done:
        return {"text": text or "Completed"}
    if optional:
        return {"text": text or "Optional"}
    return {"tag": {"text": text or "Incomplete", "classes": "govuk-tag--blue"}}


def draft_checklist(consultation, progress, problems, *, can_edit):
    """Items for GOV.UK Frontend's task list. ``problems`` are readiness problems."""
    parts = {problem.part for problem in problems}

    def link(endpoint):
        return url_for(endpoint, consultation_id=consultation.id) if can_edit else None

    preferred = consultation.preferred_option
    deadline_ok = "deadline" not in parts
    letter_ok = bool(consultation.letter) and "letter" not in parts
    people = progress["people"]
    recipients = f"{progress['organisations']} organisations, {people} people with an email"
    if progress["without_email"]:
        recipients += f", {progress['without_email']} without"
    return [
        {
            "title": {"text": "Details and the question"},
            "href": link("consultations.details"),
            "hint": {"text": consultation.question[:90]} if consultation.question else None,
            "status": _status("details" not in parts),
        },
        {
            "title": {"text": "Deadline and reminders"},
            "href": link("consultations.deadline"),
            "hint": {"text": "Replies due by " + _deadline(consultation)},
            "status": _status(
                deadline_ok,
                text=None if deadline_ok or not consultation.deadline_at else "Deadline passed",
            ),
        },
        {
            "title": {"text": "Options"},
            "href": link("consultations.options"),
            "hint": {
                "text": f"{len(consultation.options)} options; preferred: {preferred.name}"
                if preferred
                else "Choose the preferred option"
            },
            "status": _status(preferred is not None),
        },
        {
            "title": {"text": "Options appraisal"},
            "href": link("consultations.appraisal"),
            "hint": {"text": _criteria_and_scores(len(consultation.criteria), progress["scores"])}
            if consultation.criteria
            else None,
            "status": _status(
                False, optional=True, text="Added" if consultation.criteria else None
            ),
        },
        {
            "title": {"text": "The letter"},
            "href": link("consultations.letter"),
            "status": _status(
                letter_ok, text=None if letter_ok or not consultation.letter else "Has a mistake"
            ),
        },
        {
            "title": {"text": "Papers"},
            "href": link("consultations.documents"),
            "hint": {"text": f"{len(consultation.documents)} attached"}
            if consultation.documents
            else None,
            "status": _status(
                False, optional=True, text="Added" if consultation.documents else None
            ),
        },
        {
            "title": {"text": "Recipients"},
            "href": link("recipients.index"),
            "hint": {"text": recipients},
            "status": _status("recipients" not in parts and people > 0),
        },
        {
            "title": {"text": "Check and issue"},
            "href": link("issuing.issue") if not problems else None,
            "status": {"text": "Ready"}
            if not problems
            else {
                "text": "Cannot start yet",
                "classes": "govuk-task-list__status--cannot-start-yet",
            },
        },
    ]


def _deadline(consultation):
    return format_datetime(consultation.deadline_at) if consultation.deadline_at else "(not set)"


def _criteria_and_scores(criteria, scores):
    """ "1 criterion, 3 scores": the appraisal's progress as it is said."""
    criteria_words = "1 criterion" if criteria == 1 else f"{criteria} criteria"
    return f"{criteria_words}, {scores} {'score' if scores == 1 else 'scores'}"
