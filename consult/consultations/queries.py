"""Reads about consultations."""

from sqlalchemy import case, func, select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.issuing.models import Request


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
