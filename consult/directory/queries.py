"""Reads of the partner directory."""

from sqlalchemy import func, select

from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db


def fetch_sectors():
    return db.session.scalars(select(Sector).order_by(Sector.position, Sector.name)).all()


def fetch_organisations_page(*, page, sector_id=None, search="", show_archived=False, per_page=50):
    """Organisations with their sector and number of contacts: two queries a page (the
    rows and the count), whatever the number of organisations."""
    contacts = (
        select(Contact.organisation_id, func.count(Contact.id).label("contacts"))
        .group_by(Contact.organisation_id)
        .subquery()
    )
    query = (
        select(Organisation, Sector.name, func.coalesce(contacts.c.contacts, 0))
        .join(Sector, Sector.id == Organisation.sector_id)
        .outerjoin(contacts, contacts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    )
    if not show_archived:
        query = query.where(Organisation.is_archived.is_(False))
    if sector_id:
        query = query.where(Organisation.sector_id == sector_id)
    if search.strip():
        query = query.where(Organisation.name.icontains(search.strip(), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
