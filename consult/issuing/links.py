"""Emails that carry a partner's link: each with a fresh token of its own."""

from consult.correspondence import emails
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.correspondence.services import (
    get_message_by_purpose,
    message_values,
    store_message,
    store_messages,
)
from consult.issuing.tokens import create_token, create_tokens


def send_link(link, *, purpose, kind, email_for, purpose_checked=False):
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


def send_links(links, *, purpose_for, kind, email_for):
    """``send_link`` for many links at once, in two statements however many: their new
    tokens, then their emails. ``purpose_for(link)`` names each email; the caller has
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
    email = email_for(link, emails.partner_link_url(LINK_PLACEHOLDER))
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
