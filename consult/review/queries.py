"""Reads for the scrutiny view: the dashboard's figures and the response log.

Each page runs a fixed handful of queries whatever the number of requests: the tally is
one GROUP BY, replies over time another, and the log reads one page of rows with their
contacts and last email in two more.
"""

from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, false, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from consult.audit.models import AuditEvent
from consult.auth.models import User
from consult.consultations.models import Option
from consult.correspondence.models import MESSAGE_STATES, Message
from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db
from consult.reminders.models import ReminderSlot
from consult.requests.models import OUTSTANDING_STATES, RecipientLink, Request
from consult.respond.models import STANCES, Response


def _current_response():
    return and_(Response.request_id == Request.id, Response.version == Request.response_version)


def _late(consultation):
    if consultation.deadline_at is None:
        return false()
    return and_(Request.responded_at.is_not(None), Request.responded_at > consultation.deadline_at)


@dataclass
class Counts:
    """One row of the tally: a sector, or every organisation."""

    name: str
    requests: int = 0
    replied: int = 0
    declined: int = 0
    withdrawn: int = 0
    outstanding: int = 0
    late: int = 0
    stances: dict = field(default_factory=lambda: dict.fromkeys(STANCES, 0))

    @property
    def asked(self):
        """Organisations still asked: withdrawn requests are not counted against anyone."""
        return self.requests - self.withdrawn

    @property
    def response_rate(self):
        return round(100 * self.replied / self.asked) if self.asked else 0

    def share(self, stance):
        """The stance as a percentage of the organisations that replied."""
        return round(100 * self.stances[stance] / self.replied) if self.replied else 0


@dataclass
class Tally:
    overall: Counts
    sectors: list[Counts]


def fetch_tally(consultation):
    """Organisations by sector, status, stance and lateness: one GROUP BY query."""
    rows = db.session.execute(
        select(
            Sector.name,
            Sector.position,
            Request.status,
            Response.stance,
            func.sum(case((_late(consultation), 1), else_=0)),
            func.count(Request.id),
        )
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .outerjoin(Response, _current_response())
        .where(Request.consultation_id == consultation.id, Request.status != "draft")
        .group_by(Sector.name, Sector.position, Request.status, Response.stance)
        .order_by(Sector.position, Sector.name)
    ).all()
    overall = Counts("All organisations")
    sectors = {}
    for sector, _position, status, stance, late_count, count in rows:
        for counts in (overall, sectors.setdefault(sector, Counts(sector))):
            counts.requests += count
            counts.late += int(late_count or 0)
            if status == "responded" and stance:
                counts.replied += count
                counts.stances[stance] += count
            elif status == "declined":
                counts.declined += count
            elif status == "withdrawn":
                counts.withdrawn += count
            elif status in OUTSTANDING_STATES:
                counts.outstanding += count
    return Tally(overall=overall, sectors=list(sectors.values()))


def fetch_replies_by_day(consultation):
    """(day, replies that day), in order: one query, grouped in the database."""
    if db.engine.dialect.name == "postgresql":
        day = func.date(func.timezone("Europe/London", Request.responded_at))
    else:
        day = func.date(Request.responded_at)
    rows = db.session.execute(
        select(cast(day, String), func.count(Request.id))
        .where(Request.consultation_id == consultation.id, Request.responded_at.is_not(None))
        .group_by(day)
        .order_by(day)
    ).all()
    return [(str(day)[:10], count) for day, count in rows]


def fetch_reminder_dates(consultation):
    """When each round of reminders was due: the earliest slot of each offset."""
    return db.session.execute(
        select(ReminderSlot.offset_days, func.min(ReminderSlot.due_at))
        .join(Request, Request.id == ReminderSlot.request_id)
        .where(Request.consultation_id == consultation.id)
        .group_by(ReminderSlot.offset_days)
        .order_by(ReminderSlot.offset_days)
    ).all()


# The response log

LOG_SORTS = {
    "organisation": (Organisation.name,),
    "sector": (Sector.name, Organisation.name),
    "status": (Request.status, Organisation.name),
    "stance": (Response.stance, Organisation.name),
    "received": (Request.responded_at, Organisation.name),
}
LOG_STATUSES = ("outstanding", "responded", "declined", "withdrawn", "late")


@dataclass
class LogFilters:
    sector_id: int = 0
    stance: str = ""
    status: str = ""
    search: str = ""
    sort: str = "organisation"
    descending: bool = False


def fetch_log_page(consultation, filters, *, page, per_page):
    """One page of the response log and the total: rows of (request, organisation,
    sector, response, alternative option name, name of the officer who keyed it in). Two
    queries."""
    alternative = aliased(Option)
    keyer = aliased(User)
    query = (
        select(Request, Organisation.name, Sector.name, Response, alternative.name, keyer.name)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .outerjoin(Response, _current_response())
        .outerjoin(alternative, alternative.id == Response.alternative_option_id)
        .outerjoin(keyer, keyer.id == Response.entered_by_user_id)
        .where(Request.consultation_id == consultation.id, Request.status != "draft")
    )
    if filters.sector_id:
        query = query.where(Organisation.sector_id == filters.sector_id)
    if filters.stance:
        query = query.where(Response.stance == filters.stance)
    if filters.status == "outstanding":
        query = query.where(Request.status.in_(OUTSTANDING_STATES))
    elif filters.status == "late":
        query = query.where(_late(consultation))
    elif filters.status:
        query = query.where(Request.status == filters.status)
    if filters.search:
        text = filters.search
        query = query.where(
            or_(
                Organisation.name.icontains(text, autoescape=True),
                Response.comments.icontains(text, autoescape=True),
                Response.responder_name.icontains(text, autoescape=True),
                Request.decline_reason.icontains(text, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    columns = LOG_SORTS.get(filters.sort, LOG_SORTS["organisation"])
    order = [column.desc() if filters.descending else column for column in columns]
    rows = db.session.execute(
        query.order_by(*order, Request.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return rows, total


def fetch_contacts(request_ids):
    """request id -> [(name, email)] of the contacts each request went to. One query."""
    contacts = {}
    if not request_ids:
        return contacts
    for request_id, name, email in db.session.execute(
        select(RecipientLink.request_id, Contact.name, Contact.email)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(RecipientLink.request_id.in_(request_ids))
        .order_by(Contact.name)
    ):
        contacts.setdefault(request_id, []).append((name, email))
    return contacts


def fetch_last_delivery(request_ids):
    """request id -> the status of the newest email about it. One query."""
    if not request_ids:
        return {}
    newest = (
        select(Message.request_id, func.max(Message.id).label("id"))
        .where(Message.request_id.in_(request_ids))
        .group_by(Message.request_id)
        .subquery()
    )
    return dict(
        db.session.execute(
            select(newest.c.request_id, Message.status).join(Message, Message.id == newest.c.id)
        ).all()
    )


# A request's whole story


def fetch_versions(request_id):
    """Every version of the request's response, oldest first, with who entered it."""
    return db.session.scalars(
        select(Response)
        .where(Response.request_id == request_id)
        .order_by(Response.version)
        .options(
            selectinload(Response.alternative_option),
            selectinload(Response.letter_file),
            selectinload(Response.entered_by),
        )
    ).all()


def fetch_audit_events(request_id):
    """Everything that happened to the request, oldest first, with who did it."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == request_id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
        .options(selectinload(AuditEvent.user))
    ).all()


def fetch_thread_requests(consultation_id, page, status=None, per_page=25):
    """A page of the consultation's issued requests, by organisation, for the
    correspondence log's threads; with ``status``, only those with a message in it."""
    query = (
        select(Request)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Request.consultation_id == consultation_id, Request.status != "draft")
        .options(selectinload(Request.organisation))
        .order_by(Organisation.name, Request.id)
    )
    if status in MESSAGE_STATES:
        query = query.where(
            select(Message.id)
            .where(Message.request_id == Request.id, Message.status == status)
            .exists()
        )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
