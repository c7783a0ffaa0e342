"""Reads for what is published: the replies in the order received, and the log as rows."""

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from consult.consultations.models import Option
from consult.correspondence.models import Message
from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db
from consult.files.models import StoredFile
from consult.publish.models import LetterCheck
from consult.requests.models import RecipientLink, Request
from consult.respond.models import Response


def fetch_replies(consultation_id):
    """Every request that has a response, with its current version, organisation, sector,
    alternative option and letter: in the order the first reply arrived. One query."""
    alternative = aliased(Option)
    return db.session.execute(
        select(
            Request,
            Organisation.name.label("organisation"),
            Sector.name.label("sector"),
            Response,
            alternative.name.label("alternative_option"),
            StoredFile,
        )
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .join(
            Response,
            and_(Response.request_id == Request.id, Response.version == Request.response_version),
        )
        .outerjoin(alternative, alternative.id == Response.alternative_option_id)
        .outerjoin(StoredFile, StoredFile.id == Response.letter_file_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Request.responded_at, Organisation.name)
    ).all()


def fetch_contact_names(consultation_id, request_id=None):
    """The names of each request's contacts, by request id (of one request, if given):
    whose names a reply that names no one withholds. One query."""
    query = (
        select(RecipientLink.request_id, Contact.name)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .join(Request, Request.id == RecipientLink.request_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Contact.name)
    )
    if request_id is not None:
        query = query.where(RecipientLink.request_id == request_id)
    names = {}
    for request, name in db.session.execute(query):
        names.setdefault(request, []).append(name)
    return names


def fetch_request_counts(consultation_id):
    """How many requests were issued, and how many have been answered or declined."""
    row = db.session.execute(
        select(
            func.count(Request.id),
            func.count(Request.responded_at),
            func.count(Request.declined_at),
        ).where(Request.consultation_id == consultation_id, Request.status != "draft")
    ).one()
    return {"issued": row[0], "replied": row[1], "declined": row[2]}


def fetch_log_rows(consultation_id):
    """The response log as plain rows for a spreadsheet: three queries, whatever the size."""
    alternative = aliased(Option)
    requests = db.session.execute(
        select(
            Request,
            Organisation.name,
            Sector.name,
            Response,
            alternative.name,
        )
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .outerjoin(
            Response,
            and_(Response.request_id == Request.id, Response.version == Request.response_version),
        )
        .outerjoin(alternative, alternative.id == Response.alternative_option_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Organisation.name)
    ).all()
    contacts = {}
    for request_id, name, email in db.session.execute(
        select(RecipientLink.request_id, Contact.name, Contact.email)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .join(Request, Request.id == RecipientLink.request_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Contact.name)
    ):
        contacts.setdefault(request_id, []).append(f"{name} <{email}>" if email else name)
    latest = (
        select(Message.request_id, func.max(Message.id).label("id"))
        .where(Message.consultation_id == consultation_id, Message.request_id.is_not(None))
        .group_by(Message.request_id)
        .subquery()
    )
    delivery = dict(
        db.session.execute(
            select(latest.c.request_id, Message.status).join(Message, Message.id == latest.c.id)
        ).all()
    )
    return [
        (
            request,
            organisation,
            sector,
            response,
            alternative_name,
            contacts.get(request.id, []),
            delivery.get(request.id, ""),
        )
        for request, organisation, sector, response, alternative_name in requests
    ]


def fetch_letter_checks(consultation_id):
    """The officer's check of each letter, by the letter's stored file id."""
    return {
        check.stored_file_id: check
        for check in db.session.scalars(
            select(LetterCheck).where(LetterCheck.consultation_id == consultation_id)
        )
    }


def _letters_query(consultation_id):
    return (
        select(Request, Organisation.name.label("organisation"), Response, StoredFile)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(
            Response,
            and_(Response.request_id == Request.id, Response.version == Request.response_version),
        )
        .join(StoredFile, StoredFile.id == Response.letter_file_id)
        .where(
            Request.consultation_id == consultation_id,
            Response.publication != "do_not_publish",
            StoredFile.erased_at.is_(None),
        )
    )


def fetch_letters(consultation_id):
    """The letters the annex would reproduce: each reply's current letter, when the reply
    may be published, by organisation. One query."""
    return db.session.execute(_letters_query(consultation_id).order_by(Organisation.name)).all()


def fetch_letter(consultation_id, stored_file_id):
    """One of those letters, or None when the file is no such letter."""
    return db.session.execute(
        _letters_query(consultation_id).where(StoredFile.id == stored_file_id)
    ).first()
