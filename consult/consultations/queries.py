"""Reads about consultations."""

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import selectinload

from consult.consultations.models import Consultation, Document, Option, Score
from consult.correspondence.models import Message
from consult.directory.models import Contact
from consult.extensions import db
from consult.requests.models import OUTSTANDING_STATES, RecipientLink, Request


def fetch_consultation_summaries():
    """Every consultation, newest first, with its count of requests and of replies.

    One query, whatever the number of consultations or requests.
    """
    issued = func.count(Request.id).filter(Request.status != "draft")
    responded = func.count(Request.id).filter(Request.status == "responded")
    state_order = case({"open": 0, "draft": 1, "closed": 2}, value=Consultation.state)
    return db.session.execute(
        select(
            Consultation,
            issued.label("request_count"),
            responded.label("responded_count"),
            func.count(Request.id).label("recipient_count"),
        )
        .outerjoin(Request, Request.consultation_id == Consultation.id)
        .group_by(Consultation.id)
        .order_by(state_order, Consultation.created_at.desc(), Consultation.id.desc())
    ).all()


def get_consultation_for_page(consultation_id):
    """A consultation with its options, criteria and documents loaded in three queries."""
    return db.session.scalar(
        select(Consultation)
        .where(Consultation.id == consultation_id)
        .options(
            selectinload(Consultation.options),
            selectinload(Consultation.criteria),
            selectinload(Consultation.documents).selectinload(Document.stored_file),
        )
    )


def fetch_draft_progress(consultation):
    """What a draft has so far, for its task list: recipients (organisations, people with an
    email, people without) and the number of appraisal scores entered."""
    with_email = func.count(Contact.id).filter(Contact.email.is_not(None))
    row = db.session.execute(
        select(
            func.count(func.distinct(Request.id)),
            with_email,
            func.count(Contact.id) - with_email,
        )
        .select_from(Request)
        .join(RecipientLink, RecipientLink.request_id == Request.id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(Request.consultation_id == consultation.id, Request.status == "draft")
    ).one()
    scores = db.session.scalar(
        select(func.count())
        .select_from(Score)
        .join(Option, Option.id == Score.option_id)
        .where(Option.consultation_id == consultation.id)
    )
    return {
        "organisations": row[0],
        "people": row[1],
        "without_email": row[2],
        "scores": scores,
    }


def fetch_scores(consultation_id):
    """The appraisal's cells: {(option_id, criterion_id): score}."""
    rows = db.session.execute(
        select(Score.option_id, Score.criterion_id, Score.value)
        .join(Option, Option.id == Score.option_id)
        .where(Option.consultation_id == consultation_id)
    ).all()
    return {(option_id, criterion_id): value for option_id, criterion_id, value in rows}


def fetch_option_ranking(consultation_id):
    """Options with their total score, highest first: the totals are summed here, never
    typed in. Options with no scores total 0."""
    total = func.coalesce(func.sum(Score.value), 0)
    return db.session.execute(
        select(Option, total.label("total"))
        .outerjoin(Score, Score.option_id == Option.id)
        .where(Option.consultation_id == consultation_id)
        .group_by(Option.id)
        .order_by(total.desc(), Option.position)
    ).all()


def count_outstanding_requests(consultation_id):
    """How many of the consultation's requests still wait for an answer."""
    return db.session.scalar(
        select(func.count(Request.id)).where(
            Request.consultation_id == consultation_id, Request.status.in_(OUTSTANDING_STATES)
        )
    )


def fetch_request_counts(consultation):
    """An issued consultation's requests counted for its page: issued, replied, declined,
    still to reply, failed (undeliverable), withdrawn, and replies after the deadline.

    One query, whatever the number of requests.
    """
    late = Request.responded_at > consultation.deadline_at if consultation.deadline_at else false()
    row = db.session.execute(
        select(
            func.count(Request.id),
            func.count(Request.id).filter(Request.status == "responded"),
            func.count(Request.id).filter(Request.status == "declined"),
            func.count(Request.id).filter(Request.status.in_(OUTSTANDING_STATES)),
            func.count(Request.id).filter(Request.status == "failed"),
            func.count(Request.id).filter(Request.status == "withdrawn"),
            func.count(Request.id).filter(Request.responded_at.is_not(None), late),
        ).where(Request.consultation_id == consultation.id, Request.status != "draft")
    ).one()
    names = ("issued", "responded", "declined", "outstanding", "failed", "withdrawn", "late")
    return dict(zip(names, row, strict=True))


def fetch_undelivered_counts(consultation_id):
    """The consultation's emails that could not be delivered (refused by the mail server or
    bounced later), and how many of them bounced: one query."""
    failed, bounced = db.session.execute(
        select(
            func.count(Message.id),
            func.count(Message.id).filter(Message.bounced_at.is_not(None)),
        ).where(Message.consultation_id == consultation_id, Message.status == "failed")
    ).one()
    return {"failed": failed, "bounced": bounced}
