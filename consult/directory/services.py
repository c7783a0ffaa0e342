"""Changes to the partner directory."""

import re

from sqlalchemy import func, select

from consult.audit import services as audit
from consult.auth.services import AccountError, normalise_email
from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db


class DirectoryError(ValueError):
    """The directory cannot be changed as asked; the message says why."""


def ensure_sector(slug, name, position=0):
    """The sector with this slug, created if missing."""
    sector = db.session.scalar(select(Sector).where(Sector.slug == slug))
    if sector is None:
        sector = Sector(slug=slug, name=name, position=position)
        db.session.add(sector)
        db.session.flush()
    return sector


def get_organisation_by_name(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name.strip()))


def create_organisation(*, name, sector, address="", notes=""):
    name = name.strip()
    if not name:
        raise DirectoryError("Enter the organisation's name")
    if get_organisation_by_name(name) is not None:
        raise DirectoryError(f"There is already an organisation called {name}")
    organisation = Organisation(name=name, sector=sector, address=address, notes=notes)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def add_contact(organisation, *, name, role="", email=None, phone=""):
    """Add a named person to an organisation. Their email must be unique within it."""
    name = name.strip()
    if not name:
        raise DirectoryError("Enter the contact's name")
    if email:
        try:
            email = normalise_email(email)
        except AccountError as error:
            raise DirectoryError(str(error)) from None
        duplicate = db.session.scalar(
            select(Contact.id).where(
                Contact.organisation_id == organisation.id, Contact.email == email
            )
        )
        if duplicate is not None:
            raise DirectoryError(f"{organisation.name} already has a contact with {email}")
    contact = Contact(
        organisation=organisation, name=name, role=role.strip(), email=email or None, phone=phone
    )
    db.session.add(contact)
    db.session.flush()
    return contact


def update_organisation(organisation, *, name, sector, address="", notes="", by=None):
    name = name.strip()
    if not name:
        raise DirectoryError("Enter the organisation's name")
    other = get_organisation_by_name(name)
    if other is not None and other.id != organisation.id:
        raise DirectoryError(f"There is already an organisation called {name}")
    organisation.name, organisation.sector = name, sector
    organisation.address, organisation.notes = address.strip(), notes.strip()
    audit.record("organisation changed", user=by, organisation_id=organisation.id)
    return organisation


def set_archived(organisation, archived, *, by=None):
    """Archived organisations drop out of pickers but keep their history; nothing that has
    had a request is ever deleted."""
    organisation.is_archived = archived
    audit.record(
        "organisation archived" if archived else "organisation restored",
        user=by,
        organisation_id=organisation.id,
    )
    return organisation


def update_contact(contact, *, name, role="", email=None, phone="", by=None):
    name = name.strip()
    if not name:
        raise DirectoryError("Enter the contact's name")
    if email:
        try:
            email = normalise_email(email)
        except AccountError as error:
            raise DirectoryError(str(error)) from None
        duplicate = db.session.scalar(
            select(Contact.id).where(
                Contact.organisation_id == contact.organisation_id,
                Contact.email == email,
                Contact.id != contact.id,
            )
        )
        if duplicate is not None:
            raise DirectoryError(f"{contact.organisation.name} already has a contact with {email}")
    contact.name, contact.role = name, role.strip()
    contact.email, contact.phone = email or None, phone.strip()
    audit.record("contact changed", user=by, contact_id=contact.id)
    return contact


def remove_contact(contact, *, by=None):
    """Remove a contact who has never been sent a request; others are kept for the record."""
    from consult.issuing.models import RecipientLink

    if db.session.scalar(select(RecipientLink.id).where(RecipientLink.contact_id == contact.id)):
        raise DirectoryError(
            f"{contact.name} has been sent requests, so stays on record. Edit the contact "
            "instead, or archive the organisation."
        )
    audit.record("contact removed", user=by, contact_id=contact.id)
    db.session.delete(contact)
    db.session.flush()


def add_sector(name, *, by=None):
    name = name.strip()
    if not name:
        raise DirectoryError("Enter the sector's name")
    if db.session.scalar(select(Sector.id).where(func.lower(Sector.name) == name.lower())):
        raise DirectoryError(f"There is already a sector called {name}")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "sector"
    while db.session.scalar(select(Sector.id).where(Sector.slug == slug)):
        slug += "-1"
    position = (db.session.scalar(select(func.max(Sector.position))) or 0) + 1
    sector = Sector(slug=slug, name=name, position=position)
    db.session.add(sector)
    db.session.flush()
    audit.record("sector added", user=by, sector_id=sector.id)
    return sector
