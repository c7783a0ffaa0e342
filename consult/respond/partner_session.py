"""Partners' way in: a token from their email, then a session of their own.

Opening a link (a GET) changes nothing, because mail security scanners open every link in
an email. Only a person's action, a POST from the "Respond" button, counts: it records the
request as opened and exchanges the token for a session, so the token leaves the address
bar and the browser history.
"""

from dataclasses import dataclass

from flask import session
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from consult.audit import services as audit
from consult.db import utcnow
from consult.extensions import db
from consult.requests.models import LinkToken, RecipientLink, Request
from consult.requests.tokens import hash_token

SESSION_KEY = "partner"
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class LinkState:
    """What a token opens, or why it opens nothing (``problem``)."""

    link: RecipientLink | None = None
    token: LinkToken | None = None
    problem: str | None = None  # unknown, replaced, revoked, expired, withdrawn, closed

    @property
    def ok(self):
        return self.problem is None


def _check(token_row, link, now):
    if token_row is None or link is None or link.issued_at is None:
        return LinkState(problem="unknown")
    request = link.request
    if request.status == "withdrawn":
        return LinkState(link=link, token=token_row, problem="withdrawn")
    if request.consultation.state == "closed":
        return LinkState(link=link, token=token_row, problem="closed")
    if link.revoked_at is not None:
        return LinkState(link=link, token=token_row, problem="revoked")
    if token_row.revoked_at is not None:
        return LinkState(link=link, token=token_row, problem="replaced")
    if link.expires_at is not None and link.expires_at <= now:
        return LinkState(link=link, token=token_row, problem="expired")
    return LinkState(link=link, token=token_row)


def _with_link(condition):
    return (
        select(LinkToken)
        .where(condition)
        .options(
            joinedload(LinkToken.link)
            .joinedload(RecipientLink.request)
            .joinedload(Request.consultation),
            joinedload(LinkToken.link).joinedload(RecipientLink.contact),
            joinedload(LinkToken.link)
            .joinedload(RecipientLink.request)
            .joinedload(Request.organisation),
        )
    )


# A token row with all a partner's page shows of its link, in one query; built once, as
# every partner page runs one.
TOKEN_BY_HASH = _with_link(LinkToken.token_hash == bindparam("token_hash"))
TOKEN_BY_ID = _with_link(LinkToken.id == bindparam("token_id"))


def resolve_token(token, now=None):
    """The link a raw token opens. Looked up by its hash; the token is never logged."""
    if not token or len(token) > 100:
        return LinkState(problem="unknown")
    token_row = db.session.scalar(TOKEN_BY_HASH, {"token_hash": hash_token(token)})
    return _check(token_row, token_row.link if token_row else None, now or utcnow())


def start_partner_session(state, now=None):
    """The person pressed "Respond": record the opening, and remember them in the session."""
    now = now or utcnow()
    link = state.link
    request = link.request
    first_for_link = link.first_used_at is None
    if first_for_link:
        link.first_used_at = now
    if request.opened_at is None:
        request.opened_at = now
        if request.status in ("issued", "sent", "failed"):
            request.status = "opened"
    if first_for_link:
        audit.record("opened", link=link, consultation=request.consultation, request=request)
    session[SESSION_KEY] = {"token": state.token.id}
    session.permanent = False


def current_partner(now=None):
    """The link of the partner signed in through their email, checked afresh every time."""
    saved = session.get(SESSION_KEY)
    if not isinstance(saved, dict) or not isinstance(saved.get("token"), int):
        return LinkState(problem="no-session")
    token_row = db.session.scalar(TOKEN_BY_ID, {"token_id": saved["token"]})
    state = _check(token_row, token_row.link if token_row else None, now or utcnow())
    if not state.ok:
        session.pop(SESSION_KEY, None)
    return state


def end_partner_session():
    session.pop(SESSION_KEY, None)
