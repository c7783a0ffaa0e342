"""Changes to the partner directory."""

import re
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from consult.addresses import AddressError, normalise_email
from consult.audit import services as audit
from consult.db import utcnow
from consult.directory.imports import decode, read_partners
from consult.directory.models import Contact, Organisation, PartnerImport, Sector
from consult.extensions import db
from consult.requests.models import RecipientLink
from consult.text import is_one_line

IMPORT_CHUNK_ROWS = 500


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
    if not is_one_line(name):
        raise DirectoryError("The contact's name must be on one line, without line breaks")
    if email:
        try:
            email = normalise_email(email)
        except AddressError as error:
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
    if not is_one_line(name):
        raise DirectoryError("The contact's name must be on one line, without line breaks")
    if email:
        try:
            email = normalise_email(email)
        except AddressError as error:
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


def why_contact_stays(contact):
    """Why a contact cannot be removed, as a sentence for the officer; None if they can.

    A contact who is a recipient of any consultation, even a draft's, stays on record.
    """
    if db.session.scalar(select(RecipientLink.id).where(RecipientLink.contact_id == contact.id)):
        return (
            f"{contact.name} has been sent requests, so stays on record. Edit the contact "
            "instead, or archive the organisation."
        )
    return None


def remove_contact(contact, *, by=None):
    """Remove a contact who has never been sent a request; others are kept for the record."""
    if (reason := why_contact_stays(contact)) is not None:
        raise DirectoryError(reason)
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


def rename_sector(sector, name, *, by=None):
    name = name.strip()
    if not name:
        raise DirectoryError("Enter the sector's name")
    other = db.session.scalar(select(Sector.id).where(func.lower(Sector.name) == name.lower()))
    if other is not None and other != sector.id:
        raise DirectoryError(f"There is already a sector called {name}")
    audit.record("sector renamed", user=by, sector_id=sector.id, was=sector.name, now=name)
    sector.name = name
    return sector


def _sector_lookup():
    """Lower-case name and slug of every sector -> its name."""
    lookup = {}
    for sector in db.session.scalars(select(Sector)):
        lookup[sector.slug.lower()] = sector.name
        lookup[sector.name.lower()] = sector.name
    return lookup


def check_partners_file(data):
    """The plan for a partners CSV file, checked against the directory as it is now."""
    existing = {name.lower() for name in db.session.scalars(select(Organisation.name))}
    return read_partners(data, sectors=_sector_lookup(), existing_organisations=existing)


def prepare_import(data, *, filename, by=None):
    """Check a partners CSV file and keep it, with every problem, for the officer to
    confirm. Raises ImportFileError when the file as a whole cannot be read."""
    plan = check_partners_file(data)
    partner_import = PartnerImport(
        filename=(filename or "")[:255],
        content=decode(data),
        total_rows=plan.total_rows,
        good_rows=len(plan.rows),
        problems=[[problem.line, problem.column, problem.message] for problem in plan.problems],
        summary=_preview_counts(plan),
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(partner_import)
    db.session.flush()
    return partner_import


def _preview_counts(plan):
    organisations = {
        name.lower(): id_
        for id_, name in db.session.execute(select(Organisation.id, Organisation.name))
    }
    contact_keys = _contact_keys()
    new_organisations, old_organisations = set(), set()
    new_contacts = old_contacts = 0
    for row in plan.rows:
        key = row.organisation.lower()
        organisation_id = organisations.get(key)
        (old_organisations if organisation_id else new_organisations).add(key)
        if row.has_contact:
            if organisation_id and _match_contact(contact_keys, organisation_id, row):
                old_contacts += 1
            else:
                new_contacts += 1
    return {
        "organisations_new": len(new_organisations),
        "organisations_existing": len(old_organisations),
        "contacts_new": new_contacts,
        "contacts_existing": old_contacts,
        "ignored_columns": plan.ignored_columns,
        "formula_cells": plan.formula_cells,
    }


def _contact_keys():
    """(organisation id, "e:" email or "n:" lower-case name) -> the contact's fields."""
    keys = {}
    for contact in db.session.execute(
        select(
            Contact.id,
            Contact.organisation_id,
            Contact.name,
            Contact.role,
            Contact.email,
            Contact.phone,
        )
    ).mappings():
        contact = dict(contact)
        if contact["email"]:
            keys[(contact["organisation_id"], "e:" + contact["email"])] = contact
        keys.setdefault((contact["organisation_id"], "n:" + contact["name"].lower()), contact)
    return keys


def _match_contact(keys, organisation_id, row):
    """The contact a row describes: by email; or by name when the row has no email, or
    when the contact of that name has none on record yet."""
    if row.contact_email:
        found = keys.get((organisation_id, "e:" + row.contact_email))
        if found is not None:
            return found
        by_name = keys.get((organisation_id, "n:" + row.contact_name.lower()))
        return by_name if by_name is not None and not by_name["email"] else None
    return keys.get((organisation_id, "n:" + row.contact_name.lower()))


def claim_import(import_id):
    """Mark a queued import as under way; False if it is not waiting (done, or another
    worker has it)."""
    result = db.session.execute(
        update(PartnerImport)
        .where(PartnerImport.id == import_id, PartnerImport.status == "queued")
        .values(status="importing", updated_at=utcnow())
    )
    return result.rowcount == 1


def release_stalled_imports(*, queued_for=timedelta(minutes=1), silent_for=timedelta(minutes=10)):
    """Ids of imports to hand out again: queued a while ago, or under way with no progress
    for long enough that the worker must have stopped (put back in the queue)."""
    now = utcnow()
    db.session.execute(
        update(PartnerImport)
        .where(PartnerImport.status == "importing", PartnerImport.updated_at < now - silent_for)
        .values(status="queued", updated_at=now - queued_for)
    )
    return db.session.scalars(
        select(PartnerImport.id).where(
            PartnerImport.status == "queued", PartnerImport.updated_at <= now - queued_for
        )
    ).all()


def confirm_import(partner_import, *, by=None):
    """The officer has seen the preview: queue the good rows for the worker."""
    if partner_import.status != "previewed":
        raise DirectoryError("This file has already been imported.")
    partner_import.status = "queued"
    partner_import.updated_at = utcnow()
    audit.record("partner import confirmed", user=by, import_id=partner_import.id)


def import_partners(partner_import, *, chunk_rows=IMPORT_CHUNK_ROWS):
    """Save the good rows of a checked import, a chunk at a time, yielding after each chunk
    so the caller can commit and show progress. Safe to run again: rows match what is
    already in the directory by organisation name and contact email or name."""
    plan = check_partners_file(partner_import.content.encode("utf-8"))
    sectors = {sector.name: sector.id for sector in db.session.scalars(select(Sector))}
    organisations = {
        row["name"].lower(): dict(row)
        for row in db.session.execute(
            select(
                Organisation.id,
                Organisation.name,
                Organisation.sector_id,
                Organisation.address,
                Organisation.notes,
            )
        ).mappings()
    }
    contacts = _contact_keys()
    counts = dict.fromkeys(
        ("organisations_added", "organisations_updated", "contacts_added", "contacts_updated"), 0
    )
    updated_organisations, updated_contacts = set(), set()
    partner_import.good_rows = len(plan.rows)
    partner_import.done_rows = 0
    for start in range(0, len(plan.rows), chunk_rows):
        rows = plan.rows[start : start + chunk_rows]
        counts["organisations_added"] += _save_organisations(
            rows, organisations, sectors, updated_organisations
        )
        counts["contacts_added"] += _save_contacts(rows, organisations, contacts, updated_contacts)
        partner_import.done_rows = start + len(rows)
        partner_import.updated_at = utcnow()
        yield partner_import.done_rows
    counts["organisations_updated"] = len(updated_organisations)
    counts["contacts_updated"] = len(updated_contacts)
    partner_import.summary = {**partner_import.summary, **counts}
    partner_import.problems = [[p.line, p.column, p.message] for p in plan.problems]
    partner_import.status = "done"
    partner_import.content = ""  # the file held people's details; the directory has them now
    partner_import.finished_at = utcnow()
    audit.record(
        "partners imported",
        user=partner_import.created_by,
        import_id=partner_import.id,
        rows=partner_import.good_rows,
        **counts,
    )


def _save_organisations(rows, organisations, sectors, updated):
    new, changes = {}, {}
    for row in rows:
        key = row.organisation.lower()
        values = {"sector_id": sectors.get(row.sector), "address": row.address, "notes": row.notes}
        values = {name: value for name, value in values.items() if value}
        known = organisations.get(key)
        if known is None:
            new.setdefault(
                key, {"name": row.organisation, "sector_id": None, "address": "", "notes": ""}
            )
            new[key].update(values)
            continue
        diff = {name: value for name, value in values.items() if known[name] != value}
        if diff:
            known.update(diff)
            changes.setdefault(known["id"], {"id": known["id"]}).update(diff)
            updated.add(known["id"])
    if new:
        inserted = db.session.execute(
            insert(Organisation).returning(
                Organisation.id,
                Organisation.name,
                Organisation.sector_id,
                Organisation.address,
                Organisation.notes,
            ),
            list(new.values()),
        ).mappings()
        for row in inserted:
            organisations[row["name"].lower()] = dict(row)
    if changes:
        db.session.execute(update(Organisation), list(changes.values()))
    return len(new)


def _save_contacts(rows, organisations, contacts, updated):
    new, changes = [], {}
    for row in rows:
        if not row.has_contact:
            continue
        organisation_id = organisations[row.organisation.lower()]["id"]
        known = _match_contact(contacts, organisation_id, row)
        values = {
            "name": row.contact_name,
            "role": row.contact_role,
            "email": row.contact_email,
            "phone": row.contact_phone,
        }
        if known is None:
            new.append(
                {**values, "organisation_id": organisation_id, "email": row.contact_email or None}
            )
            continue
        diff = {name: value for name, value in values.items() if value and known[name] != value}
        if diff:
            known.update(diff)
            changes.setdefault(known["id"], {"id": known["id"]}).update(diff)
            updated.add(known["id"])
            if "email" in diff:
                contacts[(organisation_id, "e:" + diff["email"])] = known
    if new:
        inserted = db.session.execute(
            insert(Contact).returning(
                Contact.id,
                Contact.organisation_id,
                Contact.name,
                Contact.role,
                Contact.email,
                Contact.phone,
            ),
            new,
        ).mappings()
        for contact in inserted:
            contact = dict(contact)
            if contact["email"]:
                contacts[(contact["organisation_id"], "e:" + contact["email"])] = contact
            contacts.setdefault(
                (contact["organisation_id"], "n:" + contact["name"].lower()), contact
            )
    if changes:
        db.session.execute(update(Contact), list(changes.values()))
    return len(new)
