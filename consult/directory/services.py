"""Changes to the partner directory."""

from sqlalchemy import select

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
