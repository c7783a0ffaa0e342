"""Whether a draft can be issued, and if not, what to fix."""

from typing import NamedTuple

from sqlalchemy import select

from consult.consultations.letters import LetterError, letter_problems, render_letter
from consult.db import utcnow
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.requests.models import RecipientLink, Request


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

    # Plain rows, not objects: a county-wide draft goes to thousands.
    recipients = db.session.execute(
        select(Contact.name, Contact.role, Organisation.name)
        .select_from(RecipientLink)
        .join(Request, Request.id == RecipientLink.request_id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(
            Request.consultation_id == consultation.id,
            Request.status == "draft",
            Contact.email != "",
        )
    ).all()
    if not recipients:
        problems.append(Problem("Add at least one recipient with an email address", "recipients"))
    elif not any(problem.part == "letter" for problem in problems):
        for contact_name, contact_role, organisation_name in recipients:
            try:
                render_letter(
                    consultation,
                    contact_name=contact_name,
                    contact_role=contact_role,
                    organisation_name=organisation_name,
                    link_url="https://example.invalid/r/CHECK",
                )
            except LetterError as error:
                problems.append(Problem(f"The letter to {contact_name}: {error}", "letter"))
                break
    return problems
