"""Replies that arrive by email, by post or at a meeting, keyed in by an officer.

They are stored exactly as a partner's web reply is, as the next version of the
request's response, so the tally, the log and the annex treat them alike; the version
says who keyed it in and when, beside when it was received.
"""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from consult.audit import services as audit
from consult.dates import format_date, london
from consult.db import utcnow
from consult.directory.models import Contact
from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import EMAIL_KINDS, KINDS, LETTER_KINDS, sniff, store_bytes
from consult.record.saved_emails import OLE_SIGNATURE
from consult.redaction import TOKEN_PATH
from consult.requests.models import RecipientLink, Request
from consult.respond.models import Response
from consult.respond.services import ResponseError, record_response

OFFICER_CHANNELS = ("email", "post", "meeting")
# How long the check page of a dropped-in email may stay open before it is chosen again.
HOLD_SECONDS = 24 * 60 * 60


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
    source_file=None,
):
    """Key in a reply received outside Consult. Raises ResponseError for a bad answer.

    ``source_file`` is the email it came in, kept whole for officers only."""
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
    if source_file is not None:
        response.source_file_id = source_file.id
    audit.record(
        "reply keyed in",
        user=by,
        request=request,
        version=response.version,
        channel=channel,
        received_at=received_at.isoformat(),
        contact_id=contact.id if contact is not None else None,
        source=source,
        source_file_id=source_file.id if source_file is not None else None,
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


# A saved email dropped in: kept whole, checked, then recorded


class HeldEmailError(ValueError):
    """The email on a check page cannot be recorded; the message says why and what next."""


def keep_saved_email(data, filename):
    """The saved email, whole (quoted thread and all), as a stored file."""
    return store_bytes(data, filename, "msg" if data.startswith(OLE_SIGNATURE) else "eml")


def _holder():
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="record.saved-email")


def hold_email(stored, request, *, contact, by):
    """What the check page carries to name the stored email: signed, so that it holds only
    for this request and the officer who dropped the email in."""
    held = {"file": stored.id, "request": request.id, "by": by.id}
    return _holder().dumps(held | {"contact": contact.id if contact is not None else None})


def held_email(reference, request, *, by):
    """(stored file, contact or None) that a check page's ``reference`` names. Raises
    HeldEmailError unless it was signed here for ``request`` and ``by``, and names an
    email that is still kept and not yet recorded."""
    choose_again = "Choose the email again."
    try:
        held = _holder().loads(reference or "", max_age=HOLD_SECONDS)
    except SignatureExpired:
        raise HeldEmailError(f"The check page was open for too long. {choose_again}") from None
    except BadSignature:
        raise HeldEmailError(f"The email could not be found. {choose_again}") from None
    if (
        not isinstance(held, dict)
        or held.get("request") != request.id
        or held.get("by") != by.id
        or not isinstance(held.get("file"), int)
    ):
        raise HeldEmailError(f"The email could not be found. {choose_again}")
    stored = db.session.get(StoredFile, held["file"])
    email_types = {KINDS[kind][0] for kind in EMAIL_KINDS}
    if stored is None or stored.erased_at is not None or stored.content_type not in email_types:
        raise HeldEmailError(f"The email is no longer kept. {choose_again}")
    recorded = db.session.scalar(
        select(Response.version).where(Response.source_file_id == stored.id)
    )
    if recorded is not None:
        raise HeldEmailError(f"This email is already recorded, as version {recorded} of the reply.")
    contact = None
    if isinstance(held.get("contact"), int):
        contact = next((c for c in request_contacts(request) if c.id == held["contact"]), None)
    return stored, contact


def partner_link_line(lines):
    """The index of the first of ``lines`` that holds a link with a token of ours (a
    partner's or a staff invitation), or None: such a line is never a partner's words."""
    return next((index for index, line in enumerate(lines) if TOKEN_PATH.search(line)), None)
