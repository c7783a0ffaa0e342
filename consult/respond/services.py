"""Recording responses: each one a new version, never an overwrite."""

from sqlalchemy import func, select

from consult.audit import services as audit
from consult.db import utcnow
from consult.extensions import db
from consult.respond.models import CHANNELS, PUBLICATION_CHOICES, STANCES, Response


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
