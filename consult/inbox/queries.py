"""Reads of the emails that arrived in the reply mailbox, for the officer's pages.

Each list is a fixed number of queries however many emails there are: the email, the
organisation it was filed under, Consult's message it answers and the officer who filed
it come in one query with outer joins, never one query an email.
"""

from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.correspondence.models import Message
from consult.directory.models import Organisation
from consult.extensions import db
from consult.inbox.filing import MATCHABLE_STATES
from consult.inbox.models import Arrival
from consult.requests.models import Request

# What an officer is shown: an email once it is read (not one still waiting to be).
SHOWN_KINDS = ("reply", "bounce", "auto_reply")


@dataclass(frozen=True)
class Arrived:
    """One email with what its page says about it."""

    arrival: Arrival
    organisation: str | None  # the organisation of the request it is filed under
    answers: Message | None  # Consult's message it answers or reports on
    filed_by: str | None  # the officer who filed it by hand


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    pages: int


def _arrived():
    filer = aliased(User)
    return (
        select(Arrival, Organisation.name, Message, filer.name)
        .outerjoin(Request, Request.id == Arrival.request_id)
        .outerjoin(Organisation, Organisation.id == Request.organisation_id)
        .outerjoin(Message, Message.id == Arrival.answers_message_id)
        .outerjoin(filer, filer.id == Arrival.matched_by_user_id)
        .where(Arrival.kind.in_(SHOWN_KINDS))
        .options(joinedload(Arrival.raw_file))  # its link says when it was erased
    )


def _rows(query):
    return [Arrived(*row) for row in db.session.execute(query).all()]


def _page(query, count, page, per_page):
    total = db.session.scalar(count)
    pages = max(ceil(total / per_page), 1)
    newest_first = query.order_by(Arrival.received_at.desc(), Arrival.id.desc())
    items = _rows(newest_first.limit(per_page).offset((page - 1) * per_page))
    return Page(items=items, total=total, page=page, pages=pages)


def fetch_consultation_arrivals(consultation_id, page, per_page=50):
    """The emails filed under a consultation's requests, newest first, a page at a time
    (two queries)."""
    where = (Arrival.consultation_id == consultation_id, Arrival.kind.in_(SHOWN_KINDS))
    count = select(func.count(Arrival.id)).where(*where)
    return _page(_arrived().where(*where), count, page, per_page)


def _unmatched(set_aside=False):
    return (
        Arrival.request_id.is_(None),
        Arrival.dismissed_at.is_not(None) if set_aside else Arrival.dismissed_at.is_(None),
        Arrival.kind.in_(SHOWN_KINDS),
    )


def fetch_unmatched(page, *, set_aside=False, per_page=50):
    """The council's emails that matched no request, newest first (two queries): those
    waiting for an officer, or with ``set_aside`` those an officer set aside."""
    where = _unmatched(set_aside)
    count = select(func.count(Arrival.id)).where(*where)
    return _page(_arrived().where(*where), count, page, per_page)


def count_unmatched(*, set_aside=False):
    return db.session.scalar(select(func.count(Arrival.id)).where(*_unmatched(set_aside)))


@dataclass(frozen=True)
class Counts:
    arrived: int
    not_recorded: int  # replies still to be recorded or set aside
    bounced: int


def count_consultation_arrivals(consultation_id):
    """How many emails were filed under the consultation, how many replies among them
    wait for an officer, and how many are bounces: one query."""
    arrived, not_recorded, bounced = db.session.execute(
        select(
            func.count(Arrival.id),
            func.count(Arrival.id).filter(
                Arrival.kind == "reply",
                Arrival.response_id.is_(None),
                Arrival.dismissed_at.is_(None),
            ),
            func.count(Arrival.id).filter(Arrival.kind == "bounce"),
        ).where(Arrival.consultation_id == consultation_id, Arrival.kind.in_(SHOWN_KINDS))
    ).one()
    return Counts(arrived=arrived, not_recorded=not_recorded, bounced=bounced)


def fetch_request_arrivals(request_id):
    """The emails filed under a request and not set aside, oldest first (one query)."""
    return _rows(
        _arrived()
        .where(Arrival.request_id == request_id, Arrival.dismissed_at.is_(None))
        .order_by(Arrival.received_at, Arrival.id)
    )


def fetch_arrivals_for_requests(request_ids):
    """{request id: [Arrival, ...] oldest first} for the correspondence log (one query)."""
    found = {request_id: [] for request_id in request_ids}
    if not request_ids:
        return found
    for arrival in db.session.scalars(
        select(Arrival)
        .where(Arrival.request_id.in_(request_ids), Arrival.kind.in_(SHOWN_KINDS))
        .order_by(Arrival.received_at, Arrival.id)
    ):
        found[arrival.request_id].append(arrival)
    return found


def get_arrived(arrival_id):
    """One email with its organisation, the message it answers and who filed it."""
    row = db.session.execute(_arrived().where(Arrival.id == arrival_id)).first()
    return Arrived(*row) if row else None


def fetch_assignable_requests():
    """(request id, organisation, consultation reference) of every request an email can
    be filed under: those of open consultations that can still be answered or were
    answered, newest consultation first, then by organisation. One query."""
    return db.session.execute(
        select(Request.id, Organisation.name, Consultation.reference)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Consultation, Consultation.id == Request.consultation_id)
        .where(Consultation.state == "open", Request.status.in_(MATCHABLE_STATES))
        .order_by(Consultation.issued_at.desc(), Consultation.id.desc(), Organisation.name)
    ).all()
