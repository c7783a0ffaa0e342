"""Marking points, keeping the themes, writing the council's response: every change is an
audit event, and a quote must be words the partner wrote."""

import re
from datetime import timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import selectinload

from consult.audit import services as audit
from consult.consideration.models import (
    POINT_KINDS,
    POINT_SOURCES,
    RESPONSE_STATES,
    Point,
    SuggestionRun,
    Theme,
    point_themes,
)
from consult.consideration.suggestions import suggest_themes
from consult.db import utcnow
from consult.directory.models import Organisation
from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import kind_of, stored_path
from consult.redaction import letters
from consult.requests import partner_emails
from consult.requests.models import RecipientLink, Request
from consult.respond.models import Response
from consult.text import is_one_line

MAX_QUOTE = 5_000
# How long a partner's link shows the outcome after it is sent.
OUTCOME_LINK_DAYS = 90
MAX_THEME_NAME = 200
MAX_RESPONSE = 10_000


class ConsiderationError(ValueError):
    """A point, theme or response that cannot be saved; the message says why."""


def _squeezed(text):
    return re.sub(r"\s+", " ", text or "").strip()


def paragraphs(text):
    """A reply's text as the paragraphs an officer can mark."""
    return [
        block.strip()
        for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))
        if block.strip()
    ]


def texts_of(comments, letter):
    """The words of a reply an officer can quote, by source: its ``comments`` and the text
    of ``letter`` (its stored file, or None), with email addresses, phone numbers and
    links already taken out."""
    texts = {"comments": comments or ""}
    if letter is not None and letter.erased_at is None and kind_of(letter) in ("pdf", "docx"):
        texts["letter"] = letters.examine(stored_path(letter), kind_of(letter)).text
    return texts


def reply_texts(reply):
    """The words of ``reply`` (a version of a reply) an officer can quote."""
    return texts_of(reply.comments, reply.letter_file)


def quote_in(quote, texts):
    """Which of ``texts`` (a dict: source → text) holds ``quote``, whitespace aside; None
    when none does."""
    wanted = _squeezed(quote).casefold()
    for source, text in texts.items():
        if wanted and wanted in _squeezed(text).casefold():
            return source
    return None


def theme_named(consultation, name, *, by):
    """The consultation's theme of that name, made if it is new."""
    name = _squeezed(name)
    if not name:
        raise ConsiderationError("Enter the theme's name")
    if len(name) > MAX_THEME_NAME or not is_one_line(name):
        raise ConsiderationError("The theme's name must be one line of 200 characters or fewer")
    theme = db.session.scalar(
        select(Theme).where(Theme.consultation_id == consultation.id, Theme.name == name)
    )
    if theme is None:
        theme = Theme(consultation_id=consultation.id, name=name, updated_by=by)
        db.session.add(theme)
        db.session.flush()
        audit.record("theme added", user=by, consultation=consultation, theme_id=theme.id)
    return theme


def mark_point(response, *, quote, kind, themes, by, texts):
    """A point quoting ``response`` (a version of a reply): ``texts`` are the reply's own
    words by source (its comments, its letter's text), and the quote must be in them."""
    if kind not in POINT_KINDS:
        raise ConsiderationError("Choose what kind of point it is")
    quote = (quote or "").strip()
    if not quote:
        raise ConsiderationError("Enter or choose the words of the point")
    if len(quote) > MAX_QUOTE:
        raise ConsiderationError("A point must be 5,000 characters or fewer")
    source = quote_in(quote, texts)
    if source not in POINT_SOURCES:
        raise ConsiderationError(
            "The point must be the partner's own words: copy them from the reply exactly"
        )
    request = response.request
    point = Point(
        consultation_id=request.consultation_id,
        request_id=request.id,
        response_id=response.id,
        quote=quote,
        kind=kind,
        source=source,
        created_by=by,
        themes=list(themes),
    )
    db.session.add(point)
    db.session.flush()
    audit.record(
        "point marked",
        user=by,
        request=request,
        point_id=point.id,
        version=response.version,
        kind=kind,
        themes=[theme.id for theme in themes],
    )
    return point


def change_point(point, *, kind, themes, by):
    if kind not in POINT_KINDS:
        raise ConsiderationError("Choose what kind of point it is")
    point.kind = kind
    point.themes = list(themes)
    audit.record(
        "point changed",
        user=by,
        request=point.request,
        point_id=point.id,
        kind=kind,
        themes=[theme.id for theme in themes],
    )


def remove_point(point, *, by):
    # The audit trail is chained and kept for good, so it holds no words of the partner's
    # that retention would have to erase: the point's id and its themes' names only.
    audit.record(
        "point removed",
        user=by,
        request=point.request,
        point_id=point.id,
        themes=[theme.name for theme in point.themes],
    )
    db.session.delete(point)


def merge_themes(source, target, *, by):
    """Every point of ``source`` filed under ``target`` instead, and ``source`` gone; the
    target keeps its own response."""
    if source.id == target.id or source.consultation_id != target.consultation_id:
        raise ConsiderationError("Choose two different themes of this consultation")
    already = select(point_themes.c.point_id).where(point_themes.c.theme_id == target.id)
    db.session.execute(
        delete(point_themes).where(
            point_themes.c.theme_id == source.id, point_themes.c.point_id.in_(already)
        )
    )
    db.session.execute(
        update(point_themes).where(point_themes.c.theme_id == source.id).values(theme_id=target.id)
    )
    audit.record(
        "themes merged",
        user=by,
        consultation=source.consultation,
        merged=source.id,
        merged_name=source.name,
        into=target.id,
    )
    db.session.delete(source)
    db.session.flush()
    db.session.expire_all()


def rename_theme(theme, name, *, by):
    name = _squeezed(name)
    if not name or len(name) > MAX_THEME_NAME or not is_one_line(name):
        raise ConsiderationError("The theme's name must be one line of 200 characters or fewer")
    clash = db.session.scalar(
        select(Theme.id).where(
            Theme.consultation_id == theme.consultation_id, Theme.name == name, Theme.id != theme.id
        )
    )
    if clash:
        raise ConsiderationError("There is already a theme with that name: merge them instead")
    audit.record(
        "theme renamed",
        user=by,
        consultation=theme.consultation,
        theme_id=theme.id,
        was=theme.name,
        now=name,
    )
    theme.name = name


def write_response(theme, *, response, change_made, state, by):
    """The council's response to a theme and the change made (or why not)."""
    if state not in RESPONSE_STATES:
        raise ConsiderationError("Choose whether the response is a draft or agreed")
    if len(response or "") > MAX_RESPONSE or len(change_made or "") > MAX_RESPONSE:
        raise ConsiderationError("The response and the change must be 10,000 characters or fewer")
    if state == "agreed" and not (response or "").strip():
        raise ConsiderationError("Write the council's response before it is agreed")
    theme.response = (response or "").strip()
    theme.change_made = (change_made or "").strip()
    theme.response_state = state
    theme.updated_by = by
    theme.updated_at = utcnow()
    audit.record(
        "council response written",
        user=by,
        consultation=theme.consultation,
        theme_id=theme.id,
        state=state,
    )


def publish_outcome(consultation, *, by):
    """Record that the council's response goes back to the partners."""
    if consultation.outcome_sent_at is not None:
        raise ConsiderationError("The outcome has already been sent to the partners")
    themes = db.session.scalars(
        select(Theme).where(Theme.consultation_id == consultation.id, Theme.points.any())
    ).all()
    if not themes:
        raise ConsiderationError("Mark the partners' points and file them under themes first")
    waiting = [theme.name for theme in themes if not theme.agreed]
    if waiting:
        raise ConsiderationError(
            "Agree the council's response to every theme first: " + ", ".join(sorted(waiting))
        )
    now = utcnow()
    consultation.outcome_sent_at = now
    consultation.outcome_sent_by = by
    links = db.session.scalars(
        select(RecipientLink)
        .join(Request, Request.id == RecipientLink.request_id)
        .where(
            Request.consultation_id == consultation.id,
            Request.response_version.is_not(None),
            Request.status != "withdrawn",
            RecipientLink.issued_at.is_not(None),
            RecipientLink.revoked_at.is_(None),
        )
        .options(selectinload(RecipientLink.contact))
    ).all()
    expiry = now + timedelta(days=OUTCOME_LINK_DAYS)
    sent = 0
    for link in links:
        if not link.contact.email:
            continue
        link.expires_at = max(link.expires_at or expiry, expiry)
        partner_emails.store_link_email(
            link,
            purpose=f"outcome:link:{link.id}",
            kind="outcome",
            email_for=lambda link, url: partner_emails.outcome(link, link_url=url),
        )
        sent += 1
    audit.record(
        "outcome published", user=by, consultation=consultation, themes=len(themes), emails=sent
    )
    return sent


def request_suggestions(consultation, *, by):
    run = SuggestionRun(consultation_id=consultation.id, requested_by=by)
    db.session.add(run)
    db.session.flush()
    audit.record("themes suggested", user=by, consultation=consultation, run_id=run.id)
    return run


def claim_suggestions(run_id):
    """Mark a queued run as under way; False if it is not waiting."""
    result = db.session.execute(
        update(SuggestionRun)
        .where(SuggestionRun.id == run_id, SuggestionRun.status == "queued")
        .values(status="running")
    )
    return result.rowcount == 1


def _passages(consultation_id):
    """The unmarked paragraphs of every current reply, its letter's as well as its
    comments', and the points without a theme, as (request id, organisation, text); and
    the texts already filed under each theme."""
    rows = db.session.execute(
        select(Request.id, Organisation.name, Response.comments, StoredFile)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(
            Response,
            and_(Response.request_id == Request.id, Response.version == Request.response_version),
        )
        .outerjoin(StoredFile, StoredFile.id == Response.letter_file_id)
        .where(Request.consultation_id == consultation_id)
        .order_by(Organisation.name)
    ).all()
    points = db.session.scalars(
        select(Point)
        .where(Point.consultation_id == consultation_id)
        .options(selectinload(Point.themes))
    ).all()
    quoted = {}
    themed = {}
    organisations = {request_id: name for request_id, name, _comments, _letter in rows}
    passages = []
    for point in points:
        quoted.setdefault(point.request_id, []).append(_squeezed(point.quote).casefold())
        for theme in point.themes:
            themed.setdefault(theme.name, []).append(point.quote)
        if not point.themes:
            passages.append(
                (point.request_id, organisations.get(point.request_id, ""), point.quote)
            )
    for request_id, organisation, comments, letter in rows:
        marked = quoted.get(request_id, [])
        texts = texts_of(comments, letter).values()
        for paragraph in (paragraph for text in texts for paragraph in paragraphs(text)):
            squeezed = _squeezed(paragraph).casefold()
            if not any(quote in squeezed or squeezed in quote for quote in marked):
                passages.append((request_id, organisation, paragraph))
    return passages, themed


def build_suggestions(run, *, on_progress=lambda: None):
    """Work out the suggestions for ``run``; ``on_progress`` is called as they go, with
    ``run.done`` and ``run.total`` updated, so the caller can commit."""
    passages, themed = _passages(run.consultation_id)

    def progress(done, total):
        run.done, run.total = done, total
        on_progress()

    found = suggest_themes(
        [text for _id, _name, text in passages], themed=themed, progress=progress
    )
    run.suggestions = [
        {
            "label": suggestion.label,
            "existing_theme": suggestion.existing_theme,
            "passages": [
                {
                    "request_id": passages[i][0],
                    "organisation": passages[i][1],
                    "text": passages[i][2],
                }
                for i in suggestion.members
            ],
        }
        for suggestion in found
    ]
    run.status = "done"
    run.finished_at = utcnow()
    return run


def mark_suggestions_failed(run_id, error):
    db.session.execute(
        update(SuggestionRun)
        .where(SuggestionRun.id == run_id)
        .values(
            status="failed", error=f"{type(error).__name__}: {error}"[:500], finished_at=utcnow()
        )
    )
