"""Keeping partners' personal details no longer than the council said it would.

At the end of a consultation's retention period its personal details are erased: the
names and addresses on its emails and their bodies, the names of those who replied, the
words of replies that were not for publication, unpublished letters, the saved emails
that replies were recorded from, and drafts. What is kept is what the committee's record
needs: organisations, sectors, stances, dates, counts and the published annex. One
person's details can also be found, exported and erased on request, across every
consultation.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, delete, select, update

from consult.addresses import AddressError, normalise_email
from consult.audit import services as audit
from consult.consideration.models import Point, SuggestionRun
from consult.consultations.models import Consultation
from consult.correspondence.models import Message
from consult.directory.models import Contact, Organisation
from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import erase_stored_file, stored_path
from consult.inbox.models import Arrival
from consult.redaction import ERASED, redact
from consult.requests.models import LinkToken, RecipientLink, Request
from consult.respond.models import Response, ResponseDraft

ERASED_ADDRESS = "erased@erased.invalid"


class RetentionError(ValueError):
    """The erasure cannot be done as asked; the message says why."""


# A consultation past its retention period


def fetch_due(now):
    """Closed consultations whose retention period has ended and are not yet erased."""
    closed = db.session.scalars(
        select(Consultation).where(
            Consultation.state == "closed",
            Consultation.closed_at.is_not(None),
            Consultation.personal_data_erased_at.is_(None),
        )
    ).all()
    return [
        consultation
        for consultation in closed
        if consultation.closed_at + timedelta(days=consultation.retention_days) <= now
    ]


def _request_ids(consultation):
    return select(Request.id).where(Request.consultation_id == consultation.id)


def plan_consultation_erasure(consultation):
    """What erasing ``consultation``'s personal details would touch, as counts."""
    request_ids = _request_ids(consultation)
    messages = db.session.scalar(
        select(db.func.count(Message.id)).where(
            Message.consultation_id == consultation.id, Message.to_address != ERASED_ADDRESS
        )
    )
    named = db.session.scalar(
        select(db.func.count(Response.id)).where(
            Response.request_id.in_(request_ids),
            Response.responder_name.not_in(["", ERASED]),
        )
    )
    unpublished = db.session.scalar(
        select(db.func.count(Response.id)).where(
            Response.request_id.in_(request_ids),
            Response.publication == "do_not_publish",
            Response.comments != ERASED,
        )
    )
    drafts = db.session.scalar(
        select(db.func.count(ResponseDraft.id)).where(ResponseDraft.request_id.in_(request_ids))
    )
    return {
        "emails": messages,
        "responder_names": named,
        "unpublished_replies": unpublished,
        "unpublished_letters": len(_unpublished_letters(consultation)),
        "original_emails": len(_original_emails(consultation)),
        "emails_arrived": db.session.scalar(
            select(db.func.count(Arrival.id)).where(
                Arrival.consultation_id == consultation.id, Arrival.words != ERASED
            )
        ),
        "drafts": drafts,
    }


def _unpublished_letters(consultation):
    request_ids = _request_ids(consultation)
    from_responses = select(Response.letter_file_id).where(
        Response.request_id.in_(request_ids),
        Response.publication == "do_not_publish",
        Response.letter_file_id.is_not(None),
    )
    from_drafts = select(ResponseDraft.letter_file_id).where(
        ResponseDraft.request_id.in_(request_ids), ResponseDraft.letter_file_id.is_not(None)
    )
    published = select(Response.letter_file_id).where(
        Response.request_id.in_(request_ids),
        Response.publication != "do_not_publish",
        Response.letter_file_id.is_not(None),
    )
    return db.session.scalars(
        select(StoredFile).where(
            StoredFile.erased_at.is_(None),
            StoredFile.id.in_(from_responses.union(from_drafts)),
            StoredFile.id.not_in(published),
        )
    ).all()


def _original_emails(consultation):
    """The saved emails replies were recorded from: never published, so all of them go."""
    return db.session.scalars(
        select(StoredFile).where(
            StoredFile.erased_at.is_(None),
            StoredFile.id.in_(
                select(Response.source_file_id).where(
                    Response.request_id.in_(_request_ids(consultation)),
                    Response.source_file_id.is_not(None),
                )
            ),
        )
    ).all()


def _arrived_files(consultation):
    """The emails that arrived in the reply mailbox for the consultation, kept whole, and
    the letters kept from them but never published."""
    arrivals = db.session.scalars(
        select(Arrival).where(Arrival.consultation_id == consultation.id)
    ).all()
    published = set(
        db.session.scalars(
            select(Response.letter_file_id).where(
                Response.request_id.in_(_request_ids(consultation)),
                Response.publication != "do_not_publish",
                Response.letter_file_id.is_not(None),
            )
        )
    )
    ids = {arrival.raw_file_id for arrival in arrivals}
    ids |= {a["file_id"] for arrival in arrivals for a in arrival.letter_files} - published
    return db.session.scalars(
        select(StoredFile).where(StoredFile.erased_at.is_(None), StoredFile.id.in_(ids))
    ).all()


def erase_consultation(consultation, *, now, by=None):
    """Erase a consultation's personal details; the tally, dates and annex stay."""
    counts = plan_consultation_erasure(consultation)
    request_ids = _request_ids(consultation)
    stored_files = [
        *_unpublished_letters(consultation),
        *_original_emails(consultation),
        *_arrived_files(consultation),
    ]
    for stored in {stored.id: stored for stored in stored_files}.values():
        erase_stored_file(stored, now=now)
    # What arrived by email: who wrote and what they said (the tally keeps the reply).
    db.session.execute(
        update(Arrival)
        .where(Arrival.consultation_id == consultation.id)
        .values(
            sender_name="",
            sender_address=ERASED_ADDRESS,
            subject=ERASED,
            words=ERASED,
            failures=[],
            problem="",
        )
    )
    db.session.execute(
        update(Message)
        .where(Message.consultation_id == consultation.id)
        .values(
            to_name="",
            to_address=ERASED_ADDRESS,
            body_text=ERASED,
            body_html="",
            sealed_link=None,
            last_error="",
        )
    )
    db.session.execute(
        update(Response)
        .where(Response.request_id.in_(request_ids), Response.responder_name != "")
        .values(responder_name=ERASED)
    )
    db.session.execute(
        update(Response)
        .where(Response.request_id.in_(request_ids), Response.publication == "do_not_publish")
        .values(comments=ERASED)
    )
    # A point quotes its reply: it goes as the reply's words do.
    db.session.execute(
        update(Point)
        .where(
            Point.request_id.in_(request_ids),
            Point.response_id.in_(
                select(Response.id).where(
                    Response.request_id.in_(request_ids),
                    Response.publication == "do_not_publish",
                )
            ),
        )
        .values(quote=ERASED)
    )
    # Suggested themes keep copies of the replies' paragraphs; they can be worked out again.
    db.session.execute(
        delete(SuggestionRun).where(SuggestionRun.consultation_id == consultation.id)
    )
    db.session.execute(delete(ResponseDraft).where(ResponseDraft.request_id.in_(request_ids)))
    link_ids = select(RecipientLink.id).where(RecipientLink.request_id.in_(request_ids))
    db.session.execute(
        update(LinkToken)
        .where(LinkToken.link_id.in_(link_ids), LinkToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    consultation.personal_data_erased_at = now
    audit.record(
        "personal data erased",
        user=by,
        consultation=consultation,
        reason="retention period ended",
        retention_days=consultation.retention_days,
        **counts,
    )
    return counts


def erase_due(now, *, dry_run=False):
    """Erase (or, for a dry run, only describe) every consultation past its retention
    period. Returns [(consultation, counts)]."""
    done = []
    for consultation in fetch_due(now):
        if dry_run:
            done.append((consultation, plan_consultation_erasure(consultation)))
        else:
            done.append((consultation, erase_consultation(consultation, now=now)))
    return done


# One person, by email address


@dataclass
class PersonRecord:
    email: str
    contacts: list = field(default_factory=list)
    links: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    responses: list = field(default_factory=list)
    drafts: list = field(default_factory=list)

    @property
    def found(self):
        return bool(self.contacts or self.messages)

    @property
    def files(self):
        seen = {}
        for item in [*self.responses, *self.drafts]:
            stored = item.letter_file
            if stored is not None and stored.erased_at is None:
                seen[stored.id] = stored
        return list(seen.values())


def find_person(email):
    """Everything held about the person with this email address, across consultations."""
    try:
        email = normalise_email(email)
    except AddressError as error:
        raise RetentionError(str(error)) from None
    record = PersonRecord(email=email)
    record.contacts = db.session.scalars(
        select(Contact).join(Organisation).where(Contact.email == email).order_by(Organisation.name)
    ).all()
    contact_ids = [contact.id for contact in record.contacts]
    if contact_ids:
        record.links = db.session.scalars(
            select(RecipientLink).where(RecipientLink.contact_id.in_(contact_ids))
        ).all()
    link_ids = [link.id for link in record.links]
    record.messages = db.session.scalars(
        select(Message).where(Message.to_address == email).order_by(Message.created_at)
    ).all()
    if link_ids:
        record.responses = db.session.scalars(
            select(Response)
            .where(Response.submitted_by_link_id.in_(link_ids))
            .order_by(Response.received_at)
        ).all()
        record.drafts = db.session.scalars(
            select(ResponseDraft).where(ResponseDraft.saved_by_link_id.in_(link_ids))
        ).all()
    return record


def _when(value):
    return value.isoformat() if value is not None else None


def export_person(record, *, by=None):
    """A zip of everything held about one person: person.json and the files they sent."""
    consultations = {}

    def consultation_of(request):
        consultation = request.consultation
        consultations[consultation.id] = consultation
        return {"reference": consultation.reference, "title": consultation.title}

    document = {
        "email": record.email,
        "contacts": [
            {
                "organisation": contact.organisation.name,
                "name": contact.name,
                "role": contact.role,
                "email": contact.email,
                "phone": contact.phone,
            }
            for contact in record.contacts
        ],
        "requests": [
            {
                "consultation": consultation_of(link.request),
                "organisation": link.request.organisation.name,
                "status": link.request.status,
                "issued_at": _when(link.issued_at),
                "first_used_at": _when(link.first_used_at),
            }
            for link in record.links
        ],
        "emails": [
            {
                "subject": message.subject,
                "to": message.to_address,
                "status": message.status,
                "created_at": _when(message.created_at),
                "sent_at": _when(message.sent_at),
                "text": message.body_text,
            }
            for message in record.messages
        ],
        "replies": [
            {
                "consultation": consultation_of(response.request),
                "organisation": response.request.organisation.name,
                "version": response.version,
                "stance": response.stance,
                "comments": response.comments,
                "responder_name": response.responder_name,
                "responder_role": response.responder_role,
                "publication": response.publication,
                "received_at": _when(response.received_at),
                "letter": response.letter_file.original_filename if response.letter_file else None,
            }
            for response in record.responses
        ],
        "unsent_drafts": [
            {"comments": draft.comments, "saved_at": _when(draft.saved_at)}
            for draft in record.drafts
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", json.dumps(document, indent=2, ensure_ascii=False))
        for stored in record.files:
            path = stored_path(stored)
            if path.exists():
                archive.write(path, f"files/{stored.id}-{stored.original_filename}")
    audit.record(
        "person exported",
        user=by,
        contacts=len(record.contacts),
        emails=len(record.messages),
        replies=len(record.responses),
        files=len(record.files),
    )
    return buffer.getvalue()


def _erase_from_suggestions(record, names):
    """The person's name out of the copies of their replies' paragraphs that suggested
    themes keep."""
    request_ids = {response.request_id for response in record.responses}
    if not request_ids:
        return
    ordered = sorted(names, key=len, reverse=True)
    for run in db.session.scalars(
        select(SuggestionRun).where(
            SuggestionRun.consultation_id.in_(
                select(Request.consultation_id).where(Request.id.in_(request_ids))
            )
        )
    ):
        # A new list, so SQLAlchemy sees the JSON change.
        run.suggestions = [
            {
                **suggestion,
                "passages": [
                    {**passage, "text": redact(passage["text"], names=ordered)}
                    if passage.get("request_id") in request_ids
                    else passage
                    for passage in suggestion.get("passages", [])
                ],
            }
            for suggestion in run.suggestions or []
        ]


def erase_person(record, *, now, by=None):
    """Replace one person's details with a marker everywhere; stances and counts stay."""
    names = {contact.name for contact in record.contacts}
    names |= {response.responder_name for response in record.responses}
    names = {name for name in names if name and name != ERASED}
    for contact in record.contacts:
        contact.name, contact.role, contact.email, contact.phone = ERASED, "", None, ""
    for message in record.messages:
        message.to_name, message.to_address = "", ERASED_ADDRESS
        message.body_text, message.body_html, message.sealed_link = ERASED, "", None
    for response in record.responses:
        if response.responder_name:
            response.responder_name = ERASED
        response.responder_role = ""
        response.comments = redact(response.comments, names=sorted(names, key=len, reverse=True))
    response_ids = [response.id for response in record.responses]
    for point in db.session.scalars(select(Point).where(Point.response_id.in_(response_ids))):
        point.quote = redact(point.quote, names=sorted(names, key=len, reverse=True))
    _erase_from_suggestions(record, names)
    for draft in record.drafts:
        draft.responder_name, draft.responder_role = "", ""
        draft.comments = redact(draft.comments, names=sorted(names))
    unpublished = [
        response.letter_file
        for response in record.responses
        if response.publication == "do_not_publish" and response.letter_file is not None
    ] + [draft.letter_file for draft in record.drafts if draft.letter_file is not None]
    published_ids = {
        response.letter_file_id
        for response in record.responses
        if response.publication != "do_not_publish"
    }
    for stored in unpublished:
        if stored.id not in published_ids:
            erase_stored_file(stored, now=now)
    for response in record.responses:  # the email a reply came in is never published
        if response.source_file is not None:
            erase_stored_file(response.source_file, now=now)
    link_ids = [link.id for link in record.links]
    if link_ids:
        db.session.execute(
            update(LinkToken)
            .where(and_(LinkToken.link_id.in_(link_ids), LinkToken.revoked_at.is_(None)))
            .values(revoked_at=now)
        )
    counts = {
        "contacts": len(record.contacts),
        "emails": len(record.messages),
        "replies": len(record.responses),
    }
    audit.record("person erased", user=by, **counts)
    db.session.flush()
    return counts
