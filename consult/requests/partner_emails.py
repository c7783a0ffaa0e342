"""The emails a partner gets, and storing each with a fresh token of its own.

Each of ``invitation``, ``deadline_changed``, ``reminder`` and ``acknowledgement`` returns
an ``Email`` for one recipient, from ``templates/emails/<name>.txt`` and ``.html``. Links
are built from APP_BASE_URL, never from the request's Host header. ``store_link_email``
puts one in the outbox with a new token sealed beside it.
"""

from flask import current_app

from consult.consultations.letters import render_letter
from consult.consultations.papers import get_papers
from consult.correspondence.emails import compose
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.correspondence.services import (
    get_message_by_purpose,
    message_values,
    store_message,
    store_messages,
)
from consult.dates import format_datetime, time_left
from consult.requests.tokens import create_token, create_tokens


def partner_link_url(token):
    """The address a recipient's secret link opens."""
    return f"{current_app.config['APP_BASE_URL'].rstrip('/')}/r/{token}"


def response_reference(response):
    """The reference a partner quotes: consultation, request and version."""
    request = response.request
    return f"{request.consultation.reference}-{request.id}-{response.version}"


def _link_context(link, link_url):
    request = link.request
    consultation = request.consultation
    papers = get_papers(consultation)
    config = current_app.config
    return {
        "consultation": consultation,
        "organisation": request.organisation,
        "contact": link.contact,
        "link_url": link_url,
        "deadline": format_datetime(consultation.deadline_at),
        "preferred_option": papers.preferred,
        "documents": papers.documents,
        "reply_to": config["MAIL_REPLY_TO"] or config["MAIL_DEFAULT_SENDER"],
    }


def invitation(link, *, link_url, resent=False):
    """The invitation for one recipient: the personalised letter and their own link.

    ``resent`` adds a line saying this link replaces the one sent before.
    """
    request = link.request
    consultation = request.consultation
    contact = link.contact
    letter = render_letter(
        consultation,
        contact_name=contact.name,
        contact_role=contact.role,
        organisation_name=request.organisation.name,
        link_url=link_url,
    )
    context = {**_link_context(link, link_url), "letter": letter, "resent": resent}
    subject = f"{consultation.title}: your organisation's view is requested"
    if resent:
        subject = f"New link: {subject}"
    return compose(subject, "invitation", context)


def deadline_changed(link, *, link_url, old_deadline):
    """Tells a partner still to reply that the deadline has moved."""
    context = {
        **_link_context(link, link_url),
        "old_deadline": format_datetime(old_deadline) if old_deadline else "",
    }
    consultation = link.request.consultation
    return compose(f"{consultation.title}: the deadline has changed", "deadline_changed", context)


def acknowledgement(link, response, *, late=False):
    """Thanks the partner who sent a response, with a copy of what they said."""
    consultation = link.request.consultation
    context = {
        **_link_context(link, link_url=None),
        "response": response,
        "reference": response_reference(response),
        "late": late,
    }
    return compose(f"{consultation.title}: we have your response", "acknowledgement", context)


def outcome(link, *, link_url):
    """Tells a partner that the council's response to what they said is ready, at their
    own link's outcome page."""
    consultation = link.request.consultation
    context = {**_link_context(link, f"{link_url}/outcome")}
    return compose(
        f"{consultation.title}: the council's response to your reply", "outcome", context
    )


def reminder(link, *, link_url, now):
    """A reminder saying how long is actually left, or how late it is."""
    consultation = link.request.consultation
    late = now > consultation.deadline_at
    if late:
        days_late = (now - consultation.deadline_at).days
        when = (
            f"The deadline was {format_datetime(consultation.deadline_at)}"
            + (f", {days_late} day{'s' if days_late != 1 else ''} ago" if days_late else "")
            + ". Late replies are still accepted, and will be marked as late."
        )
        subject = f"Reminder: {consultation.title}: the deadline has passed"
    else:
        left = time_left(consultation.deadline_at, now)
        deadline = format_datetime(consultation.deadline_at)
        when = f"{left[0].upper()}{left[1:]}: the deadline is {deadline}."
        subject = f"Reminder: {consultation.title}: {left}"
    context = {**_link_context(link, link_url), "when": when, "late": late}
    return compose(subject, "reminder", context)


def store_link_email(link, *, purpose, kind, email_for, purpose_checked=False):
    """Store one email to ``link``'s contact carrying a new token; once per purpose.

    ``email_for(link, link_url)`` renders it. The stored bodies hold the placeholder link;
    the token is sealed into the message until it is sent, then wiped. A caller that has
    already checked the purpose is new (``purpose_checked``) gets the rows added without
    a flush, to insert many in one round trip.
    """
    if not purpose_checked:
        existing = get_message_by_purpose(purpose)
        if existing is not None:
            return existing
    token_row, token = create_token(link, flush=not purpose_checked)
    return store_message(
        **_email_fields(link, email_for, purpose=purpose, kind=kind, token=token),
        link_token=token_row,
        check_existing=not purpose_checked,
        flush=not purpose_checked,
    )


def store_link_emails(links, *, purpose_for, kind, email_for):
    """``store_link_email`` for many links at once, in two statements however many: their
    new tokens, then their emails. ``purpose_for(link)`` names each email; the caller has
    made sure none of them is stored already. Returns how many were stored."""
    rows = [
        message_values(
            **_email_fields(link, email_for, purpose=purpose_for(link), kind=kind, token=token),
            link_token_id=token_id,
        )
        for link, (token_id, token) in zip(links, create_tokens(links), strict=True)
    ]
    store_messages(rows)
    return len(rows)


def _email_fields(link, email_for, *, purpose, kind, token):
    request = link.request
    email = email_for(link, partner_link_url(LINK_PLACEHOLDER))
    return {
        "purpose": purpose,
        "kind": kind,
        "to_address": link.contact.email,
        "to_name": link.contact.name,
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "consultation_id": request.consultation_id,
        "request_id": request.id,
        "recipient_link_id": link.id,
        "token": token,
    }
