"""Reads for the consideration pages: a fixed number of queries whatever the size."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from consult import redaction
from consult.consideration import schedule
from consult.consideration.models import Point, Theme, point_themes
from consult.directory.models import Organisation, Sector
from consult.extensions import db
from consult.files.models import StoredFile
from consult.publish.models import LetterCheck
from consult.requests.models import Request
from consult.respond.models import Response


def fetch_themes(consultation_id):
    """Each theme with how many points and organisations it has, by name. One query."""
    return db.session.execute(
        select(
            Theme,
            func.count(point_themes.c.point_id).label("points"),
            func.count(func.distinct(Point.request_id)).label("organisations"),
        )
        .outerjoin(point_themes, point_themes.c.theme_id == Theme.id)
        .outerjoin(Point, Point.id == point_themes.c.point_id)
        .where(Theme.consultation_id == consultation_id)
        .group_by(Theme.id)
        .order_by(Theme.name)
    ).all()


def fetch_replies(consultation_id):
    """Each answered request with its organisation and how many points are marked in it,
    by organisation. One query."""
    points = (
        select(Point.request_id, func.count(Point.id).label("points"))
        .where(Point.consultation_id == consultation_id)
        .group_by(Point.request_id)
        .subquery()
    )
    return db.session.execute(
        select(Request, Organisation.name, func.coalesce(points.c.points, 0))
        .join(Organisation, Organisation.id == Request.organisation_id)
        .outerjoin(points, points.c.request_id == Request.id)
        .where(Request.consultation_id == consultation_id, Request.response_version.is_not(None))
        .order_by(Organisation.name)
    ).all()


def fetch_request_points(request_id):
    """The points marked in one reply, oldest first, with their themes. Two queries."""
    return db.session.scalars(
        select(Point)
        .where(Point.request_id == request_id)
        .order_by(Point.id)
        .options(db.selectinload(Point.themes))
    ).all()


@dataclass
class SchedulePoint:
    kind: str
    # For a quote from a letter, the officer's extra words for that letter are taken out.
    quote: str
    # "letter" or "page" when the officer left out the letter, or the page it came from.
    left_out: str = ""


@dataclass
class ScheduleEntry:
    """One partner's points under one theme."""

    organisation: str
    sector: str
    request_id: int
    publication: str
    responder_name: str
    points: list[SchedulePoint] = field(default_factory=list)


@dataclass
class ScheduleTheme:
    theme: Theme
    entries: list[ScheduleEntry] = field(default_factory=list)

    @property
    def organisations(self):
        return len(self.entries)


def _points_query(consultation_id):
    """Each point filed under a theme, with what the schedule needs to publish it."""
    quoted = aliased(Response)
    return (
        select(
            point_themes.c.theme_id,
            Point.kind,
            Point.quote,
            Point.request_id,
            Organisation.name,
            Sector.name,
            Response.publication,
            Response.responder_name,
            Point.source,
            LetterCheck,
            StoredFile,
        )
        .join(Point, Point.id == point_themes.c.point_id)
        .join(Request, Request.id == Point.request_id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        # Consent is the partner's latest word on it, whichever version the quote is from.
        .join(
            Response,
            and_(Response.request_id == Request.id, Response.version == Request.response_version),
        )
        # The officer's check of the letter of the version the quote is from.
        .join(quoted, quoted.id == Point.response_id)
        .outerjoin(StoredFile, StoredFile.id == quoted.letter_file_id)
        .outerjoin(LetterCheck, LetterCheck.stored_file_id == quoted.letter_file_id)
        .where(Point.consultation_id == consultation_id)
    )


def fetch_schedule(consultation_id):
    """The schedule of responses: each theme with its council response, and under it each
    partner's points, by organisation. Two queries (and, for a letter with pages left out,
    a reading of the letter to tell which page a quote came from)."""
    themes = db.session.scalars(
        select(Theme).where(Theme.consultation_id == consultation_id).order_by(Theme.name)
    ).all()
    rows = db.session.execute(
        _points_query(consultation_id).order_by(Organisation.name, Point.id)
    ).all()
    entries = defaultdict(dict)
    for (
        theme_id,
        kind,
        quote,
        request_id,
        organisation,
        sector,
        publication,
        name,
        source,
        check,
        letter,
    ) in rows:
        entry = entries[theme_id].get(request_id)
        if entry is None:
            entry = entries[theme_id][request_id] = ScheduleEntry(
                organisation, sector, request_id, publication, name
            )
        left_out = ""
        if source == "letter" and check is not None:
            quote, left_out = schedule.letter_checked(quote, check, letter)
        entry.points.append(SchedulePoint(kind, quote, left_out))
    return [
        ScheduleTheme(theme, list(entries[theme.id].values()))
        for theme in themes
        if entries[theme.id]
    ]


def fetch_themes_by_sector(consultation_id):
    """For each theme and sector: how many organisations raised it, and how many of those
    made it a condition. One query; returns (themes, sectors, counts) where counts maps
    (theme name, sector name) to (organisations, with a condition)."""
    rows = db.session.execute(
        select(
            Theme.name,
            Sector.name,
            func.count(func.distinct(Point.request_id)),
            func.count(func.distinct(Point.request_id)).filter(Point.kind == "condition"),
        )
        .join(point_themes, point_themes.c.theme_id == Theme.id)
        .join(Point, Point.id == point_themes.c.point_id)
        .join(Request, Request.id == Point.request_id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .where(Theme.consultation_id == consultation_id)
        .group_by(Theme.name, Sector.name)
        .order_by(Theme.name, Sector.name)
    ).all()
    counts = {(theme, sector): (raised, conditions) for theme, sector, raised, conditions in rows}
    themes = sorted({theme for theme, _sector in counts})
    sectors = sorted({sector for _theme, sector in counts})
    return themes, sectors, counts


@dataclass
class Condition:
    """One organisation's condition under a theme, its quote redacted as published."""

    organisation: str
    quote: str
    publication: str
    left_out: str = ""  # as SchedulePoint.left_out


def fetch_theme_conditions(consultation_id):
    """The conditions partners set, by theme name: each organisation with its condition's
    quote, redacted by the schedule's published rules. Staff see those who declined
    publication too, marked by ``publication``. One query."""
    rows = db.session.execute(
        _points_query(consultation_id)
        .add_columns(Theme.name)
        .join(Theme, Theme.id == point_themes.c.theme_id)
        .where(Point.kind == "condition")
        .order_by(Theme.name, Organisation.name, Point.id)
    ).all()
    hosts = redaction.service_hosts()
    conditions = defaultdict(list)
    for (
        _theme_id,
        _kind,
        quote,
        _request_id,
        organisation,
        _sector,
        publication,
        name,
        source,
        check,
        letter,
        theme,
    ) in rows:
        left_out = ""
        if source == "letter" and check is not None:
            quote, left_out = schedule.letter_checked(quote, check, letter)
        quote = schedule.redacted(
            quote, publication=publication, responder_name=name, service_hosts=hosts
        )
        conditions[theme].append(Condition(organisation, quote, publication, left_out))
    return dict(conditions)
