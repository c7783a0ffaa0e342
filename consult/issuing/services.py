"""Picking recipients and issuing requests."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from consult.audit import services as audit
from consult.consultations.letters import LetterError
from consult.consultations.models import Consultation
from consult.consultations.readiness import readiness_problems
from consult.correspondence.models import Message
from consult.dates import deadline_too_far
from consult.db import utcnow
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.issuing import queries
from consult.reminders import services as reminders
from consult.requests import partner_emails
from consult.requests.models import OUTSTANDING_STATES, LinkToken, RecipientLink, Request


class IssuingError(ValueError):
    """Recipients or requests cannot be changed as asked; the message says why."""


def add_recipient(consultation, organisation, contacts):
    """Send ``consultation`` to ``organisation``, addressed to ``contacts``.

    One request per organisation: adding the same organisation again adds any new
    contacts to its existing request.
    """
    if consultation.state != "draft":
        raise IssuingError("Recipients can only be picked while the consultation is a draft")
    if organisation.is_archived:
        raise IssuingError(f"{organisation.name} is archived")
    request = db.session.scalar(
        select(Request).where(
            Request.consultation_id == consultation.id,
            Request.organisation_id == organisation.id,
        )
    )
    if request is None:
        request = Request(consultation=consultation, organisation=organisation, status="draft")
        db.session.add(request)
        db.session.flush()
    linked = {link.contact_id for link in request.links}
    for contact in contacts:
        if contact.organisation_id != organisation.id:
            raise IssuingError(f"{contact.name} does not work for {organisation.name}")
        if contact.id not in linked:
            db.session.add(RecipientLink(request=request, contact=contact))
    db.session.flush()
    return request


def record_issued_elsewhere(consultation, *, issued_at, by):
    """Open a consultation whose letters were sent before Consult was used.

    No links are made and nothing is emailed: replies are recorded by officers as they
    arrive. Used for consultations already under way when a council starts using Consult.
    """
    if consultation.state != "draft":
        raise IssuingError("Only a draft consultation can be opened")
    consultation.state = "open"
    consultation.issued_at = issued_at
    consultation.invitations_prepared_at = issued_at  # nothing to send
    db.session.execute(
        update(Request)
        .where(Request.consultation_id == consultation.id, Request.status == "draft")
        .values(status="issued", issued_at=issued_at)
    )
    audit.record(
        "issued outside consult",
        user=by,
        consultation=consultation,
        issued_at=issued_at.isoformat(),
    )
    db.session.flush()
    db.session.expire_all()
    return consultation


class AlreadyIssued(IssuingError):
    """The consultation was issued already (a double click, or another officer)."""


def link_expiry(consultation):
    """Links stop working a set time after the deadline (LINK_DAYS_AFTER_DEADLINE)."""
    days = current_app.config["LINK_DAYS_AFTER_DEADLINE"]
    return consultation.deadline_at + timedelta(days=days)


def _invite(link, now):
    """Issue ``link`` and store its invitation."""
    link.issued_at = now
    link.expires_at = link_expiry(link.request.consultation)
    return partner_emails.store_link_email(
        link,
        purpose=_invitation_purpose(link),
        kind="invitation",
        email_for=_invitation_for,
    )


def _invitation_purpose(link):
    return f"invitation:link:{link.id}"


def _invitation_for(link, url, *, resent=False):
    """The invitation's words; a letter that cannot be filled in (one saved before letters
    took merge fields only) is an IssuingError that says why."""
    try:
        return partner_emails.invitation(link, link_url=url, resent=resent)
    except LetterError as error:
        raise IssuingError(f"The letter cannot be sent as it stands: {error}") from None


def _open_if_draft(consultation, now):
    """Turn the draft into an open consultation, atomically: True for the one caller that
    did it. The UPDATE takes the row's lock (the file's, on SQLite), so a second officer
    issuing at the same moment waits, then finds it open and does nothing."""
    result = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.state == "draft")
        .values(state="open", issued_at=now)
    )
    return result.rowcount == 1


# Invitations stored in one transaction: the officer's "Issue" stores the first of them,
# and the worker the rest, a transaction each, each handed to the outbox as it commits.
INVITATIONS_PER_CHUNK = 500


def issue(consultation, *, by, now=None, invitations_now=None):
    """Open the consultation: every request issued, every contact with an email given a
    link, and an invitation with a token of its own stored for each.

    Issuing itself is a few statements whatever the number of recipients, in the
    caller's transaction. ``invitations_now`` is how many invitations to store in it too
    (None: all); the rest are for ``prepare_invitations``, which the worker runs after the
    commit. Issuing twice raises AlreadyIssued and changes nothing; unique purposes and
    token hashes hold even if two officers race. Returns the number of invitations.
    """

    now = now or utcnow()
    if consultation.state != "draft":
        raise AlreadyIssued("This consultation has already been issued")
    problems = readiness_problems(consultation, now)
    if problems:
        raise IssuingError("; ".join(problem.text for problem in problems))
    if not _open_if_draft(consultation, now):
        raise AlreadyIssued("This consultation has already been issued")
    db.session.refresh(consultation)

    requests = db.session.execute(
        update(Request)
        .where(Request.consultation_id == consultation.id, Request.status == "draft")
        .values(status="issued", issued_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    invitations = db.session.execute(
        update(RecipientLink)
        .where(
            RecipientLink.request_id.in_(
                select(Request.id).where(Request.consultation_id == consultation.id)
            ),
            RecipientLink.contact_id.in_(select(Contact.id).where(Contact.email != "")),
        )
        .values(issued_at=now, expires_at=link_expiry(consultation))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire_all()  # the requests and links loaded before are stale now
    reminders.create_slots_on_issue(consultation, now)
    audit.record(
        "issued",
        user=by,
        consultation=consultation,
        requests=requests,
        invitations=invitations,
    )
    db.session.flush()
    prepare_invitations(consultation, limit=invitations_now, now=now)
    return invitations


def prepare_invitations(consultation, *, limit=None, now=None):
    """Store invitations of an issued consultation not yet stored (up to ``limit``), in a
    few statements however many; when none is left, note that the issue is complete.

    On PostgreSQL the links are locked and those another worker holds are skipped, so two
    workers at it share the work. Returns how many were stored.
    """
    now = now or utcnow()
    stored = 0
    if consultation.state == "open":
        query = (
            queries.links_to_invite(consultation.id)
            .order_by(RecipientLink.id)
            .limit(limit)
            .options(
                selectinload(RecipientLink.contact),
                selectinload(RecipientLink.request).selectinload(Request.organisation),
            )
        )
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(of=RecipientLink, skip_locked=True)
        links = db.session.scalars(query).all()
        stored = partner_emails.store_link_emails(
            links, purpose_for=_invitation_purpose, kind="invitation", email_for=_invitation_for
        )
    finished_chunk = limit is None or stored < limit
    if finished_chunk and queries.count_invitations_to_prepare(consultation) == 0:
        consultation.invitations_prepared_at = now
    db.session.flush()
    return stored


def fetch_consultations_preparing(older_than, now=None):
    """Ids of open consultations issued more than ``older_than`` ago whose invitations
    are not all stored: their worker's task was lost or stopped."""
    now = now or utcnow()
    return db.session.scalars(
        select(Consultation.id).where(
            Consultation.state == "open",
            Consultation.invitations_prepared_at.is_(None),
            Consultation.issued_at < now - older_than,
        )
    ).all()


def add_recipient_after_issue(consultation, organisation, contacts, *, by, now=None):
    """Add an organisation, or more of its contacts, to an open consultation, and invite
    each new contact at once."""
    now = now or utcnow()
    if consultation.state != "open":
        raise IssuingError("Recipients can be added after issue only while it is open")
    request = db.session.scalar(
        select(Request).where(
            Request.consultation_id == consultation.id,
            Request.organisation_id == organisation.id,
        )
    )
    if request is None:
        request = Request(
            consultation=consultation, organisation=organisation, status="issued", issued_at=now
        )
        db.session.add(request)
        db.session.flush()
        reminders.create_slots(request, now)
    elif request.status == "withdrawn":
        raise IssuingError(f"The request to {organisation.name} was withdrawn")
    linked = {link.contact_id for link in request.links}
    added = []
    for contact in contacts:
        if contact.organisation_id != organisation.id:
            raise IssuingError(f"{contact.name} does not work for {organisation.name}")
        if contact.id in linked or not contact.email:
            continue
        link = RecipientLink(request=request, contact=contact)
        db.session.add(link)
        db.session.flush()
        _invite(link, now)
        added.append(contact)
        audit.record(
            "recipient added",
            user=by,
            consultation=consultation,
            request=request,
            contact_id=contact.id,
        )
    return request, added


def resend_link(link, *, by, tokens_seen, now=None):
    """Give one contact a new link: every earlier token stops working at once, and a new
    email goes out.

    ``tokens_seen`` is how many tokens the officer's page showed; if another officer (or a
    double click) resent in between, nothing is done and IssuingError says so.
    """
    now = now or utcnow()
    request = link.request
    if request.status == "withdrawn" or request.consultation.state != "open":
        raise IssuingError("Links can only be resent for requests still open")
    if not link.contact.email:
        raise IssuingError(f"{link.contact.name} has no email address")
    tokens = db.session.scalars(select(LinkToken).where(LinkToken.link_id == link.id)).all()
    if len(tokens) != tokens_seen:
        raise IssuingError("The link was resent a moment ago; nothing more was sent")
    for token in tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    _cancel_queued(Message.recipient_link_id == link.id, "A new link was sent instead")
    link.revoked_at = None
    link.expires_at = link_expiry(request.consultation)
    message = partner_emails.store_link_email(
        link,
        purpose=f"link_resent:link:{link.id}:{len(tokens) + 1}",
        kind="link_resent",
        email_for=lambda link, url: _invitation_for(link, url, resent=True),
    )
    audit.record(
        "link resent",
        user=by,
        consultation=request.consultation,
        request=request,
        contact_id=link.contact_id,
    )
    return message


def withdraw(request, *, by, reason="", now=None):
    """Withdraw a request: its links stop working and nothing more is sent to it."""
    now = now or utcnow()
    if request.status == "withdrawn":
        raise IssuingError("This request was already withdrawn")
    if request.status == "draft":
        raise IssuingError("Remove a recipient from a draft instead of withdrawing it")
    request.status = "withdrawn"
    request.withdrawn_at = now
    for link in request.links:
        link.revoked_at = link.revoked_at or now
    _cancel_queued(Message.request_id == request.id, "The request was withdrawn")
    audit.record(
        "withdrawn", user=by, consultation=request.consultation, request=request, reason=reason
    )
    return request


def change_deadline(consultation, new_deadline, *, by, tell_partners=False, now=None):
    """Move the deadline. Links expire relative to it; partners still to reply can be told,
    each with a fresh token so the email carries their link."""
    now = now or utcnow()
    if consultation.state == "closed":
        raise IssuingError("A closed consultation's deadline cannot change")
    if new_deadline.tzinfo is None or new_deadline <= now:
        raise IssuingError("The new deadline must be in the future")
    if deadline_too_far(new_deadline, now):
        raise IssuingError("The new deadline must be within five years of today")
    old_deadline = consultation.deadline_at
    consultation.deadline_at = new_deadline
    expiry = link_expiry(consultation)
    links = db.session.scalars(
        select(RecipientLink)
        .join(Request, Request.id == RecipientLink.request_id)
        .where(Request.consultation_id == consultation.id, RecipientLink.issued_at.is_not(None))
        .options(selectinload(RecipientLink.contact), selectinload(RecipientLink.request))
    ).all()
    told = 0
    for link in links:
        link.expires_at = expiry
        outstanding = link.request.status in OUTSTANDING_STATES and link.revoked_at is None
        if tell_partners and outstanding and link.contact.email:
            partner_emails.store_link_email(
                link,
                purpose=f"deadline_changed:link:{link.id}:{new_deadline.isoformat()}",
                kind="deadline_changed",
                email_for=lambda link, url, old=old_deadline: partner_emails.deadline_changed(
                    link, link_url=url, old_deadline=old
                ),
            )
            told += 1
    reminders.reschedule(consultation, now)
    audit.record(
        "deadline changed",
        user=by,
        consultation=consultation,
        old=old_deadline.isoformat() if old_deadline else None,
        new=new_deadline.isoformat(),
        partners_told=told,
    )
    return told


def _cancel_queued(condition, reason):
    db.session.execute(
        update(Message)
        .where(condition, Message.status == "queued")
        .values(status="cancelled", sealed_link=None, last_error=reason)
    )


def add_recipients(consultation, contacts):
    """Send a draft to each of ``contacts``, at their organisation's request (made if
    missing). Contacts without an email, of archived organisations, or already on a
    request are passed over. A bounded number of queries however many are added.

    Returns (organisations newly asked, contacts newly added).
    """
    if consultation.state != "draft":
        raise IssuingError("Recipients can only be picked while the consultation is a draft")
    wanted = [
        contact for contact in contacts if contact.email and not contact.organisation.is_archived
    ]
    organisation_ids = {contact.organisation_id for contact in wanted}
    requests = {
        request.organisation_id: request
        for request in db.session.scalars(
            select(Request).where(
                Request.consultation_id == consultation.id,
                Request.organisation_id.in_(organisation_ids),
            )
        )
    }
    linked = set(
        db.session.execute(
            select(RecipientLink.request_id, RecipientLink.contact_id)
            .join(Request, Request.id == RecipientLink.request_id)
            .where(Request.consultation_id == consultation.id)
        ).all()
    )
    # Core inserts, many rows a statement: the ORM would insert (and RETURN) row by row.
    new_organisations = sorted(organisation_ids - set(requests))
    if new_organisations:
        now = utcnow()
        db.session.execute(
            insert(Request),
            [
                {
                    "consultation_id": consultation.id,
                    "organisation_id": organisation_id,
                    "status": "draft",
                    "created_at": now,
                }
                for organisation_id in new_organisations
            ],
        )
        requests.update(
            db.session.execute(
                select(Request.organisation_id, Request.id).where(
                    Request.consultation_id == consultation.id,
                    Request.organisation_id.in_(new_organisations),
                )
            ).all()
        )
    request_ids = {
        organisation_id: (request if isinstance(request, int) else request.id)
        for organisation_id, request in requests.items()
    }
    added = []
    for contact in wanted:
        key = (request_ids[contact.organisation_id], contact.id)
        if key not in linked:
            linked.add(key)
            added.append(contact)
    if added:
        db.session.execute(
            insert(RecipientLink),
            [
                {"request_id": request_ids[contact.organisation_id], "contact_id": contact.id}
                for contact in added
            ],
        )
    db.session.expire_all()
    return len(new_organisations), len(added)


def add_sector_recipients(consultation, sector):
    """Every organisation in ``sector`` (not archived), with all its contacts who have an
    email. Returns (organisations newly asked, contacts added, names of organisations
    with nobody to send to)."""

    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.sector_id == sector.id, Organisation.is_archived.is_(False))
        .options(selectinload(Organisation.contacts).selectinload(Contact.organisation))
        .order_by(Organisation.name)
    ).all()
    contacts = [contact for organisation in organisations for contact in organisation.contacts]
    unreachable = [
        organisation.name
        for organisation in organisations
        if not any(contact.email for contact in organisation.contacts)
    ]
    organisations_added, contacts_added = add_recipients(consultation, contacts)
    return organisations_added, contacts_added, unreachable


def remove_recipient(request):
    """Take an organisation off a draft's recipients."""
    if request.status != "draft":
        raise IssuingError("Only a draft's recipients can be removed: withdraw the request instead")
    for link in list(request.links):
        db.session.delete(link)
    db.session.delete(request)
    db.session.flush()


def remove_recipient_contact(link):
    """Take one person off a draft; an organisation left with nobody goes too."""
    request = link.request
    if request.status != "draft":
        raise IssuingError("Only a draft's recipients can be removed: withdraw the request instead")
    request.links.remove(link)
    db.session.delete(link)
    if not request.links:
        db.session.delete(request)
    db.session.flush()
