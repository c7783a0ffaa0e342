"""Whether a draft can be issued, and if not, what to fix."""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.consultations.letters import LetterError, letter_problems, render_letter
from consult.db import utcnow
from consult.extensions import db
from consult.issuing.models import RecipientLink, Request


class Problem(NamedTuple):
    """What is wrong, and which part of the draft ("details", "deadline", "options",
    "letter", "recipients") fixes it, so a page can link to it."""

    text: str
    part: str


def readiness_problems(consultation, now=None):
    """Every reason the consultation cannot be issued yet: [] when it is ready."""
    now = now or utcnow()
    problems = []
    if consultation.preferred_option is None:
        problems.append(Problem("Choose the preferred option", "options"))
    if not consultation.question.strip():
        problems.append(Problem("Enter the question partners are asked", "details"))
    if consultation.deadline_at is None or consultation.deadline_at <= now:
        problems.append(Problem("Set a deadline in the future", "deadline"))
    letter = consultation.letter or ""
    if not letter.strip():
        problems.append(Problem("Write the letter", "letter"))
    problems.extend(Problem(text, "letter") for text in letter_problems(letter))

    links = db.session.scalars(
        select(RecipientLink)
        .join(Request, Request.id == RecipientLink.request_id)
        .where(Request.consultation_id == consultation.id, Request.status == "draft")
        .options(
            selectinload(RecipientLink.contact),
            selectinload(RecipientLink.request).selectinload(Request.organisation),
        )
    ).all()
    reachable = [link for link in links if link.contact.email]
    if not reachable:
        problems.append(Problem("Add at least one recipient with an email address", "recipients"))
    elif not any(problem.part == "letter" for problem in problems):
        for link in reachable:
            try:
                render_letter(
                    consultation,
                    contact_name=link.contact.name,
                    contact_role=link.contact.role,
                    organisation_name=link.request.organisation.name,
                    link_url="https://example.invalid/r/CHECK",
                )
            except LetterError as error:
                problems.append(Problem(f"The letter to {link.contact.name}: {error}", "letter"))
                break
    return problems
