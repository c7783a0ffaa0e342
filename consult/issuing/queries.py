"""Reads about requests and their links."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.correspondence.models import Message
from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db
from consult.requests.models import RecipientLink, Request


def fetch_issue_summary(consultation_id):
    """How many organisations and people issuing would reach, and who has no email."""
    rows = db.session.execute(
        select(Organisation.name, Contact.name, Contact.email)
        .select_from(Request)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(RecipientLink, RecipientLink.request_id == Request.id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(Request.consultation_id == consultation_id, Request.status == "draft")
    ).all()
    return {
        "organisations": len({row[0] for row in rows}),
        "people": sum(1 for row in rows if row[2]),
        "without_email": [(row[0], row[1]) for row in rows if not row[2]],
    }


def links_to_invite(consultation_id):
    """Links issued whose invitation is not yet stored: those of requests not withdrawn,
    not revoked, whose contact still has an email."""
    invitation = select(Message.id).where(
        Message.recipient_link_id == RecipientLink.id, Message.kind == "invitation"
    )
    return (
        select(RecipientLink)
        .join(Request, Request.id == RecipientLink.request_id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(
            Request.consultation_id == consultation_id,
            Request.status != "withdrawn",
            RecipientLink.issued_at.is_not(None),
            RecipientLink.revoked_at.is_(None),
            Contact.email != "",
            ~invitation.exists(),
        )
    )


def count_invitations_to_prepare(consultation):
    """How many of an issued consultation's invitations are still to be stored."""
    if consultation.invitations_prepared_at is not None or consultation.state != "open":
        return 0
    return db.session.scalar(
        select(func.count()).select_from(links_to_invite(consultation.id).subquery())
    )


def fetch_organisations_to_add(consultation_id):
    """Organisations not archived, for adding a recipient after issue (all of them, so
    more contacts can be added to an organisation already asked)."""
    return db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.is_archived.is_(False))
        .order_by(Organisation.name)
    ).all()


def fetch_recipients_page(consultation_id, *, page, per_page=50):
    """A draft's recipient organisations, a page at a time, each with its sector and its
    contacts: three queries a page (the rows, their contacts, the count)."""
    query = (
        select(Request, Organisation.name, Sector.name)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Organisation.name)
    )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(
        query.options(selectinload(Request.links).selectinload(RecipientLink.contact))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total


def fetch_organisation_choices():
    """Organisations a draft can be sent to: not archived, by name."""
    return db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.is_archived.is_(False))
        .order_by(Organisation.name)
    ).all()


def search_contacts(text, *, page, per_page=25):
    """Contacts of organisations not archived whose name or email contains ``text``, with
    their organisation: two queries a page."""
    text = text.strip()
    query = (
        select(Contact, Organisation.name)
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .where(
            Organisation.is_archived.is_(False),
            # autoescape: a % or _ typed in the search is that character, not a wildcard
            Contact.name.icontains(text, autoescape=True)
            | Contact.email.icontains(text, autoescape=True),
        )
        .order_by(Contact.name, Organisation.name)
    )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total


def fetch_preview_links(consultation_id):
    """Each recipient of a draft, for choosing whose letter to preview."""
    return db.session.execute(
        select(RecipientLink.id, Contact.name, Organisation.name)
        .join(Request, Request.id == RecipientLink.request_id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Organisation.name, Contact.name)
    ).all()
