"""The officer's daily digest while a consultation is open, and closing automatically."""

from datetime import timedelta

from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.correspondence import emails
from consult.correspondence.models import Message
from consult.correspondence.services import get_message_by_purpose, store_message
from consult.dates import london
from consult.db import utcnow
from consult.directory.models import Organisation, Sector
from consult.extensions import db
from consult.issuing.models import OUTSTANDING_STATES, Request

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
    """What happened since ``since``: new replies, failed deliveries, and who is
    outstanding by sector (three queries, whatever the size)."""
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
        )
        .order_by(Message.failed_at)
    ).all()
    outstanding = db.session.execute(
        select(Sector.name, func.count(Request.id))
        .join(Organisation, Organisation.id == Request.organisation_id)
        .join(Sector, Sector.id == Organisation.sector_id)
        .where(Request.consultation_id == consultation.id, Request.status.in_(OUTSTANDING_STATES))
        .group_by(Sector.name)
        .order_by(Sector.name)
    ).all()
    return responded, failed, outstanding


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
        responded, failed, outstanding = digest_facts(consultation, _since(consultation, user))
        if not responded and not failed:
            continue  # nothing new: no email
        email = emails.digest(consultation, user, responded, failed, outstanding, now)
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


def close_when_due(now=None):
    """Close the open consultations whose officer chose to close them a set time after
    the deadline, once that time has come."""
    now = now or utcnow()
    closed = 0
    for consultation in db.session.scalars(
        select(Consultation).where(
            Consultation.state == "open", Consultation.auto_close_days.is_not(None)
        )
    ):
        if now >= consultation.deadline_at + timedelta(days=consultation.auto_close_days):
            consultations.close(consultation, at=now)
            closed += 1
    return closed
