"""The officer's daily digest while a consultation is open: its facts and its words."""

from flask import current_app
from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.correspondence.emails import compose
from consult.correspondence.models import Message
from consult.correspondence.services import get_message_by_purpose, store_message
from consult.dates import format_date, format_datetime, london
from consult.db import utcnow
from consult.directory.models import Organisation, Sector
from consult.extensions import db
from consult.requests.models import OUTSTANDING_STATES, Request

DIGEST_HOUR = 8  # the digest goes from 8am London time


def _since(consultation, user):
    """When this officer's last digest for the consultation was stored (or the issue)."""
    last = db.session.scalar(
        select(func.max(Message.created_at)).where(
            Message.kind == "digest",
            Message.consultation_id == consultation.id,
            Message.user_id == user.id,
        )
    )
    return last or consultation.issued_at


def digest_facts(consultation, since):
    """What happened since ``since``: new replies, failed deliveries, bounces (an email
    the partner's server accepted and later returned), and who is outstanding by sector
    (four queries, whatever the size)."""
    responded = db.session.execute(
        select(Organisation.name, Request.responded_at)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(
            Request.consultation_id == consultation.id,
            Request.status == "responded",
            Request.responded_at > since,
        )
        .order_by(Request.responded_at)
    ).all()
    failed = db.session.execute(
        select(Message.to_address, Message.last_error)
        .where(
            Message.consultation_id == consultation.id,
            Message.status == "failed",
            Message.failed_at > since,
            Message.bounced_at.is_(None),  # bounces are listed with their organisation
        )
        .order_by(Message.failed_at)
    ).all()
    bounced = db.session.execute(
        select(Organisation.name, Message.to_address, Message.last_error, Request.id)
        .join(Request, Request.id == Message.request_id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Message.consultation_id == consultation.id, Message.bounced_at > since)
        .order_by(Message.bounced_at, Message.id)
    ).all()
    outstanding = db.session.execute(
        select(Sector.name, func.count(Request.id))
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .where(Request.consultation_id == consultation.id, Request.status.in_(OUTSTANDING_STATES))
        .group_by(Sector.name)
        .order_by(Sector.name)
    ).all()
    return responded, failed, bounced, outstanding


def digest(consultation, user, responded, failed, outstanding, now, bounced=()):
    """The officer's daily news of one consultation. ``bounced``: (organisation, address,
    the message's last error, request id) of each bounce."""
    context = {
        "consultation": consultation,
        "user": user,
        "responded": responded,
        "failed": failed,
        "bounced": [
            (name, address, error.removeprefix("Bounced: "), request_id)
            for name, address, error, request_id in bounced
        ],
        "outstanding": outstanding,
        "outstanding_total": sum(count for _sector, count in outstanding),
        "deadline": format_datetime(consultation.deadline_at),
        "base_url": current_app.config["APP_BASE_URL"].rstrip("/"),
    }
    return compose(f"{consultation.title}: news for {format_date(now)}", "digest", context)


def send_digests(now=None):
    """Store today's digest for each open consultation's officer, when there is news and
    it is past 8am in London. Once a day at most: the purpose names the date."""
    now = now or utcnow()
    local = london(now)
    if local.hour < DIGEST_HOUR:
        return 0
    stored = 0
    open_consultations = db.session.scalars(
        select(Consultation).where(Consultation.state == "open")
    ).all()
    for consultation in open_consultations:
        user = (
            db.session.get(User, consultation.created_by_id) if consultation.created_by_id else None
        )
        if user is None or user.is_disabled:
            continue
        purpose = f"digest:consultation:{consultation.id}:user:{user.id}:{local.date()}"
        if get_message_by_purpose(purpose) is not None:
            continue
        facts = digest_facts(consultation, _since(consultation, user))
        responded, failed, bounced, outstanding = facts
        if not responded and not failed and not bounced:
            continue  # nothing new: no email
        email = digest(consultation, user, responded, failed, outstanding, now, bounced)
        store_message(
            purpose=purpose,
            kind="digest",
            to_address=user.email,
            to_name=user.name,
            subject=email.subject,
            text=email.text,
            html=email.html,
            consultation_id=consultation.id,
            user_id=user.id,
        )
        stored += 1
    return stored
