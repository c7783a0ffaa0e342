"""Recording responses: each one a new version, never an overwrite."""

from sqlalchemy import func, select

from consult.audit import services as audit
from consult.correspondence.services import store_message
from consult.db import utcnow
from consult.extensions import db
from consult.requests import partner_emails
from consult.respond.models import (
    CHANNELS,
    PUBLICATION_CHOICES,
    STANCES,
    Response,
    ResponseDraft,
)


class ResponseError(ValueError):
    """A response cannot be recorded as given; the message says why."""


def record_response(
    request,
    *,
    stance,
    received_at,
    channel="web",
    comments="",
    alternative_option=None,
    responder_name="",
    responder_role="",
    publication="publish",
    entered_by=None,
    link=None,
    letter_file_id=None,
):
    """Add the next version of ``request``'s response and mark the request responded.

    ``entered_by`` is the officer who keyed in a reply received by email, post or at a
    meeting; ``link`` is the partner's own link for a reply through the web form.
    """
    if stance not in STANCES:
        raise ResponseError("Choose the organisation's view of the preferred option")
    if channel not in CHANNELS:
        raise ResponseError("Choose how the reply arrived")
    if publication not in PUBLICATION_CHOICES:
        raise ResponseError("Choose whether the reply may be published")
    if (stance == "prefers_another_option") != (alternative_option is not None):
        raise ResponseError("Choose which other option the organisation prefers")
    if alternative_option is not None and (
        alternative_option.consultation_id != request.consultation_id
        or alternative_option.is_preferred
    ):
        raise ResponseError("The other option must be one of this consultation's options")
    if request.status in ("draft", "withdrawn"):
        raise ResponseError("This request is not open for a response")

    latest = db.session.scalar(
        select(func.max(Response.version)).where(Response.request_id == request.id)
    )
    response = Response(
        request_id=request.id,
        version=(latest or 0) + 1,
        stance=stance,
        alternative_option=alternative_option,
        comments=comments,
        responder_name=responder_name,
        responder_role=responder_role,
        publication=publication,
        channel=channel,
        received_at=received_at,
        entered_by_user_id=entered_by.id if entered_by is not None else None,
        submitted_by_link_id=link.id if link is not None else None,
        letter_file_id=letter_file_id,
        created_at=utcnow(),
    )
    db.session.add(response)
    db.session.flush()
    first = request.responded_at is None
    request.status = "responded"
    request.response_version = response.version
    if first:
        request.responded_at = received_at
    audit.record(
        "responded" if first else "amended",
        user=entered_by,
        link=link,
        consultation=request.consultation,
        request=request,
        version=response.version,
        channel=channel,
    )
    return response


# --- Partners answering through their link -------------------------------------------


class ReplyClosed(ResponseError):
    """The deadline has passed and late replies are not accepted (or it is closed)."""


class DraftChanged(ResponseError):
    """Someone else saved the draft since this form was opened."""

    def __init__(self, draft):
        super().__init__("Someone else at your organisation saved this draft meanwhile")
        self.draft = draft


class ResponseChanged(ResponseError):
    """Someone else submitted a response since this person started."""

    def __init__(self, response):
        super().__init__("Someone else at your organisation changed the response meanwhile")
        self.response = response


DRAFT_FIELDS = (
    "stance",
    "alternative_option_id",
    "comments",
    "letter_file_id",
    "responder_name",
    "responder_role",
    "publication",
    "answers_for_organisation",
)


def reply_window(consultation, now=None):
    """ "open" before the deadline; "late" after it where late replies are accepted and the
    consultation is still open; otherwise "closed"."""
    now = now or utcnow()
    if consultation.state != "open":
        return "closed"
    if consultation.deadline_at is None or now <= consultation.deadline_at:
        return "open"
    return "late" if consultation.accepts_late_replies else "closed"


def _require_window(request, now):
    window = reply_window(request.consultation, now)
    if window == "closed":
        raise ReplyClosed("The deadline has passed: replies can no longer be sent or changed")
    return window


def get_draft(request):
    return db.session.scalar(select(ResponseDraft).where(ResponseDraft.request_id == request.id))


def get_current_response(request):
    if request.response_version is None:
        return None
    return db.session.scalar(
        select(Response).where(
            Response.request_id == request.id, Response.version == request.response_version
        )
    )


def save_draft(request, draft, *, link, revision_seen, fields, now=None):
    """Save what the partner has written so far, for anyone at the organisation to finish.

    ``draft`` is the organisation's draft as the caller read it in this transaction
    (None: there is none). ``revision_seen`` is the draft's revision when the form was
    opened (0: no draft); if someone saved since, DraftChanged carries their draft and
    nothing is overwritten.
    """
    now = now or utcnow()
    _require_window(request, now)
    if draft is None:
        if revision_seen:
            raise DraftChanged(None)
        draft = ResponseDraft(
            request_id=request.id, revision=0, based_on_version=request.response_version
        )
        db.session.add(draft)
    elif draft.revision != revision_seen:
        raise DraftChanged(draft)
    for name in DRAFT_FIELDS:
        if name in fields:
            setattr(draft, name, fields[name])
    draft.revision += 1
    draft.saved_at = now
    draft.saved_by_link_id = link.id
    db.session.flush()
    return draft


def submit_draft(request, draft, *, link, revision_seen, version_seen, now=None):
    """Send the organisation's answer: a new version of its response, and an email to the
    person who sent it with a copy of what they said.

    ``draft`` is the organisation's draft as the caller read it in this transaction.
    ``version_seen`` is the response version the partner's check page showed; if another
    contact submitted since, ResponseChanged says what they sent and nothing is replaced.
    """
    now = now or utcnow()
    window = _require_window(request, now)
    if draft is None or draft.revision != revision_seen:
        raise DraftChanged(draft)
    if request.response_version != version_seen:
        raise ResponseChanged(get_current_response(request))
    if request.status == "declined":
        request.declined_at = None
        request.decline_reason = ""
    response = record_response(
        request,
        stance=draft.stance,
        alternative_option=draft.alternative_option,
        comments=draft.comments,
        responder_name=draft.responder_name,
        responder_role=draft.responder_role,
        publication=draft.publication,
        channel="web",
        received_at=now,
        link=link,
    )
    response.letter_file_id = draft.letter_file_id
    db.session.delete(draft)
    db.session.flush()
    _acknowledge(request, link, response, late=window == "late")
    return response


def _acknowledge(request, link, response, late):
    contact = link.contact
    if not contact.email:
        return None
    email = partner_emails.acknowledgement(link, response, late=late)
    return store_message(
        purpose=f"acknowledgement:response:{response.id}",
        kind="acknowledgement",
        to_address=contact.email,
        to_name=contact.name,
        subject=email.subject,
        text=email.text,
        html=email.html,
        consultation_id=request.consultation_id,
        request_id=request.id,
        recipient_link_id=link.id,
        check_existing=False,  # the response is new, so its acknowledgement is too
    )


def decline(request, *, link, reason="", now=None):
    """The organisation says it will not respond. Reversible until the deadline."""
    now = now or utcnow()
    _require_window(request, now)
    if request.status == "responded":
        raise ResponseError("Your organisation has already responded: change the response instead")
    request.status = "declined"
    request.declined_at = now
    request.decline_reason = reason.strip()
    audit.record("declined", link=link, consultation=request.consultation, request=request)
    return request


def undo_decline(request, *, link, now=None):
    now = now or utcnow()
    _require_window(request, now)
    if request.status != "declined":
        raise ResponseError("Your organisation had not said it would not respond")
    request.status = "opened"
    request.declined_at = None
    request.decline_reason = ""
    audit.record("decline undone", link=link, consultation=request.consultation, request=request)
    return request
