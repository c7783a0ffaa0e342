"""Replies that arrive by email, by post or at a meeting, keyed in by an officer.

They are stored exactly as a partner's web reply is, as the next version of the
request's response, so the tally, the log and the annex treat them alike; the version
says who keyed it in and when, beside when it was received.
"""

from sqlalchemy import select

from consult.audit import services as audit
from consult.dates import format_date, london
from consult.db import utcnow
from consult.directory.models import Contact
from consult.extensions import db
from consult.files.services import LETTER_KINDS, sniff, store_bytes
from consult.requests.models import RecipientLink, Request
from consult.respond.services import ResponseError, record_response

OFFICER_CHANNELS = ("email", "post", "meeting")


def received_date_problem(consultation, received_on, today):
    """Why ``received_on`` (a London date) cannot be when a reply to ``consultation`` came,
    or None: a reply comes between the day the consultation was issued and today."""
    if received_on > today:
        return "The date received must be today or in the past"
    issued_on = london(consultation.issued_at).date() if consultation.issued_at else None
    if issued_on is not None and received_on < issued_on:
        issued = format_date(consultation.issued_at)
        return f"The date received must be {issued} or later: the consultation was issued then"
    return None


def record_reply(
    request,
    *,
    by,
    received_at,
    channel,
    stance,
    comments="",
    alternative_option=None,
    responder_name="",
    responder_role="",
    publication="publish",
    letter_file=None,
    contact=None,
    source=None,
):
    """Key in a reply received outside Consult. Raises ResponseError for a bad answer."""
    problem = received_date_problem(
        request.consultation, london(received_at).date(), london(utcnow()).date()
    )
    if problem:
        raise ResponseError(problem)
    response = record_response(
        request,
        stance=stance,
        received_at=received_at,
        channel=channel,
        comments=comments,
        alternative_option=alternative_option,
        responder_name=responder_name,
        responder_role=responder_role,
        publication=publication,
        entered_by=by,
        letter_file_id=letter_file.id if letter_file is not None else None,
    )
    audit.record(
        "reply keyed in",
        user=by,
        request=request,
        version=response.version,
        channel=channel,
        received_at=received_at.isoformat(),
        contact_id=contact.id if contact is not None else None,
        source=source,
    )
    return response


def request_contacts(request):
    """The contacts a request went to, by name."""
    return db.session.scalars(
        select(Contact)
        .join(RecipientLink, RecipientLink.contact_id == Contact.id)
        .where(RecipientLink.request_id == request.id)
        .order_by(Contact.name)
    ).all()


def match_sender(consultation, address):
    """(request, contact) whose contact has this email address, among the consultation's
    requests still to be answered or answered; (None, None) when none does."""
    row = db.session.execute(
        select(Request, Contact)
        .join(RecipientLink, RecipientLink.request_id == Request.id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(
            Request.consultation_id == consultation.id,
            Request.status.not_in(("draft", "withdrawn")),
            Contact.email == address,
        )
        .order_by(Request.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def keep_first_letter(attachments):
    """The first attachment that is a PDF or Word letter (by its content), kept as a
    stored file; None when there is none."""
    for filename, data in attachments:
        kind = sniff(data)
        if kind in LETTER_KINDS:
            return store_bytes(data, filename, kind)
    return None
