"""Emails from the reply mailbox, stored first and then filed: a reply under the request it
answers, a bounce against the message that did not arrive, an automatic reply noted.

Storing and filing are two steps. ``store_batch`` keeps each message whole, with the
mailbox position, in one commit: a message is never acknowledged in the mailbox before it
is stored, and never stored twice. ``file_waiting`` then reads what was stored; a message
it cannot make sense of is left for the officer, never lost. Nothing here records a
stance: an officer does that (``record_as_reply``).

Matching, in order: the Message-IDs Consult sent, named in In-Reply-To or References (or
enclosed in a bounce); the sender's address among the contacts; the sender's email
domain, when it is one organisation's.
"""

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, load_only, selectinload

from consult.audit import services as audit
from consult.consultations.models import Consultation
from consult.correspondence.models import Message
from consult.db import utcnow
from consult.directory.models import Contact
from consult.extensions import db
from consult.files.models import StoredFile
from consult.files.services import LETTER_KINDS, sniff, store_bytes, stored_path
from consult.inbox import reading
from consult.inbox.models import Arrival, MailboxPosition
from consult.record import services as record
from consult.requests import services as requests
from consult.requests.models import RecipientLink, Request

logger = logging.getLogger(__name__)

# Domains that many organisations' people write from: never a match by domain alone.
SHARED_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "yahoo.com",
        "yahoo.co.uk",
        "icloud.com",
        "me.com",
        "aol.com",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "protonmail.com",
        "proton.me",
        "nhs.net",
        "gov.uk",
    }
)
# How long a reader holds the mailbox without storing a batch before another may read it:
# a worker killed mid-read delays the mailbox this long. Two readers at once (a batch
# that takes longer to fetch) would store nothing twice: store_batch locks the position.
READING_HOLD = timedelta(minutes=1)
# What filing reads of Consult's messages (not their bodies).
MESSAGE_FIELDS = (
    Message.id,
    Message.purpose,
    Message.kind,
    Message.request_id,
    Message.recipient_link_id,
    Message.to_address,
    Message.status,
    Message.sent_at,
    Message.failed_at,
    Message.bounced_at,
    Message.last_error,
)
# Requests that can still be answered or were answered (a late reply is still filed).
MATCHABLE_STATES = ("issued", "sent", "opened", "responded", "declined", "failed")
# A request whose partner has not yet reached it: a bounce can leave it unreachable.
UNREACHED_STATES = ("issued", "sent")


# Storing


def mailbox_position(mailbox, *, lock=False):
    """The position row for ``mailbox``, made if it is new; locked for this transaction
    with ``lock``, so two readers of one mailbox take turns."""
    query = select(MailboxPosition).where(MailboxPosition.mailbox == mailbox)
    position = db.session.scalar(query.with_for_update() if lock else query)
    if position is None:
        position = MailboxPosition(mailbox=mailbox)
        db.session.add(position)
        db.session.flush()
    return position


def hold_mailbox(mailbox, now=None):
    """Claim the reading of ``mailbox`` for READING_HOLD, in its own commit; False when
    another reader holds it. Each stored batch renews the hold."""
    now = now or utcnow()
    mailbox_position(mailbox)
    db.session.commit()
    claimed = db.session.execute(
        update(MailboxPosition)
        .where(
            MailboxPosition.mailbox == mailbox,
            or_(MailboxPosition.reading_until.is_(None), MailboxPosition.reading_until < now),
        )
        .values(reading_until=now + READING_HOLD)
    ).rowcount
    db.session.commit()
    return claimed == 1


def release_mailbox(mailbox):
    db.session.execute(
        update(MailboxPosition).where(MailboxPosition.mailbox == mailbox).values(reading_until=None)
    )
    db.session.commit()


def store_batch(mailbox, uid_validity, fetched):
    """Store each of ``fetched`` (uid, raw bytes, received_at) not already stored, and move
    the mailbox's position past them, in the caller's transaction. Returns the new
    Arrivals. A message whose Message-ID is already stored (a copy) is passed over."""
    position = mailbox_position(mailbox, lock=True)
    if position.uid_validity != uid_validity:
        # The server renumbered the folder: read it again from the start; Message-IDs
        # keep what was already stored from being stored twice.
        position.uid_validity, position.last_uid = uid_validity, 0
    fetched = [item for item in fetched if item[0] > position.last_uid]
    if not fetched:
        return []
    ids = {uid: reading.message_id_of(raw) for uid, raw, _ in fetched}
    stored_ids = set(
        db.session.scalars(
            select(Arrival.message_id).where(Arrival.message_id.in_([i for i in ids.values() if i]))
        )
    )
    stored_uids = set(
        db.session.scalars(
            select(Arrival.uid).where(
                Arrival.mailbox == mailbox,
                Arrival.uid_validity == uid_validity,
                Arrival.uid.in_([uid for uid, _, _ in fetched]),
            )
        )
    )
    arrivals = []
    for uid, raw, received_at in fetched:
        message_id = ids[uid]
        if uid in stored_uids or (message_id and message_id in stored_ids):
            continue
        stored_ids.add(message_id)
        raw_file = store_bytes(raw, f"email-{uid}.eml", "eml")
        arrival = Arrival(
            mailbox=mailbox,
            uid_validity=uid_validity,
            uid=uid,
            message_id=message_id,
            raw_file=raw_file,
            received_at=received_at or utcnow(),
        )
        db.session.add(arrival)
        arrivals.append(arrival)
    position.last_uid = max(position.last_uid, *(uid for uid, _, _ in fetched))
    position.read_at = utcnow()
    if position.reading_until is not None:
        position.reading_until = position.read_at + READING_HOLD
    position.last_error = ""
    db.session.flush()
    return arrivals


def record_problem(mailbox, problem):
    """Why the mailbox could not be read, for the officer's pages (its own commit)."""
    position = mailbox_position(mailbox)
    position.last_error, position.last_error_at = problem[:2000], utcnow()


# Filing


def waiting_ids(after=0, limit=500, before=None):
    query = select(Arrival.id).where(Arrival.kind == "waiting", Arrival.id > after)
    if before is not None:
        query = query.where(Arrival.id < before)
    return db.session.scalars(query.order_by(Arrival.id).limit(limit)).all()


def file_waiting(batch_size=50, before=None):
    """File each stored email still waiting (with ``before``, only those with a lower
    id), ``batch_size`` to a commit; the tasks and the command share this."""
    filed, after = 0, 0
    while batch := waiting_ids(after, limit=batch_size, before=before):
        after = batch[-1]
        filed += file_arrivals(batch)
    return filed


def file_arrivals(arrival_ids):
    """File these stored emails in one commit. If one fails, they are filed again one to
    a commit: the one that fails is left, unmatched and with the problem, for the
    officer, and the others go on. Those another worker is filing (it holds their rows)
    or has filed are passed over. Returns how many this call filed."""
    try:
        filed = sum(1 for arrival in _claimed(arrival_ids) if file_arrival(arrival))
        db.session.commit()
    except Exception:
        db.session.rollback()
        filed = _file_one_by_one(arrival_ids)
    return filed


def _claimed(arrival_ids):
    return db.session.scalars(
        select(Arrival)
        .options(selectinload(Arrival.raw_file))
        .where(Arrival.id.in_(arrival_ids), Arrival.kind == "waiting")
        .order_by(Arrival.id)
        .with_for_update(skip_locked=True, of=Arrival)
    ).all()


def _file_one_by_one(arrival_ids):
    filed = 0
    for arrival_id in arrival_ids:
        try:
            filed += sum(1 for arrival in _claimed([arrival_id]) if file_arrival(arrival))
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("arrival %s could not be filed", arrival_id)
            for arrival in _claimed([arrival_id]):
                arrival.kind, arrival.filed_at = "reply", utcnow()
                arrival.problem = "This email could not be filed. Open the original to see it."
            db.session.commit()
    return filed


def file_arrival(arrival):
    """Read a stored email and file it. Raises nothing for a message that cannot be read:
    it is filed as a reply matched to nothing, with the problem, for the officer."""
    # The arrival is written once, when filed, not before each query that matches it.
    with db.session.no_autoflush:
        return _file(arrival)


def _file(arrival):
    try:
        email = reading.read_email(stored_path(arrival.raw_file).read_bytes())
    except Exception as error:  # the email package has no single error for a bad message
        logger.warning("arrival %s could not be read: %r", arrival.id, error)
        arrival.kind, arrival.filed_at = "reply", utcnow()
        arrival.problem = "This email could not be read. Open the original to see it."
        return arrival
    arrival.kind = email.kind
    arrival.sender_name = email.sender_name
    arrival.sender_address = email.sender_address
    arrival.subject = email.subject
    arrival.sent_at = email.sent_at
    arrival.words = email.words
    if email.kind == "bounce":
        arrival.words = email.text[:20_000]
        _file_bounce(arrival, email)
    else:
        arrival.attachments = _kept_attachments(email.attachments)
        request, contact, message, how = match(email)
        if request is not None:
            _file_under(arrival, request, contact, message, how)
    arrival.filed_at = utcnow()
    return arrival


def match(email):
    """(request, contact or None, Consult's message it answers or None, how) for an
    email; (None, None, None, None) when nothing matches."""
    message = _our_message(email.ours)
    if message is not None and message.request_id is not None:
        return message.request, _contact_of(message), message, "thread"
    if email.sender_address:
        request, contact = _by_sender(email.sender_address)
        if request is not None:
            return request, contact, None, "sender"
        request = _by_domain(email.sender_address)
        if request is not None:
            return request, None, None, "domain"
    return None, None, None, None


def assign(arrival, request, *, by):
    """An officer files an email that matched nothing (or matched wrongly) under
    ``request``."""
    contact = None
    if arrival.sender_address:
        contact = db.session.scalar(
            select(Contact)
            .join(RecipientLink, RecipientLink.contact_id == Contact.id)
            .where(RecipientLink.request_id == request.id, Contact.email == arrival.sender_address)
        )
    arrival.request_id, arrival.consultation_id = request.id, request.consultation_id
    arrival.contact_id = contact.id if contact is not None else None
    arrival.matched_by, arrival.matched_by_user_id = "officer", by.id
    arrival.dismissed_at = arrival.dismissed_by_id = None
    audit.record("email filed by an officer", user=by, request=request, arrival_id=arrival.id)


def dismiss(arrival, *, by):
    """An officer says an email needs nothing doing (spam, a thank-you, a duplicate)."""
    arrival.dismissed_at, arrival.dismissed_by_id = utcnow(), by.id
    audit.record(
        "email set aside",
        user=by,
        request=arrival.request,
        arrival_id=arrival.id,
    )


def put_back(arrival, *, by):
    """Undo setting an email aside: it is shown again where it was filed, as it was."""
    arrival.dismissed_at = arrival.dismissed_by_id = None
    audit.record("email put back", user=by, request=arrival.request, arrival_id=arrival.id)


def _file_under(arrival, request, contact, message, how):
    arrival.request_id, arrival.consultation_id = request.id, request.consultation_id
    arrival.contact_id = contact.id if contact is not None else None
    arrival.answers_message_id = message.id if message is not None else None
    arrival.matched_by = how
    audit.record(
        "email arrived",
        request=request,
        arrival_id=arrival.id,
        kind=arrival.kind,
        matched_by=how,
    )


def _our_message(ours):
    """The first of Consult's messages named that is really ours (its digest holds)."""
    if not ours:
        return None
    messages = {
        message.id: message
        for message in db.session.scalars(
            select(Message)
            .options(load_only(*MESSAGE_FIELDS), joinedload(Message.request))
            .where(Message.id.in_([number for number, _ in ours]))
        )
    }
    for number, digest in ours:
        message = messages.get(number)
        if message is not None and _digest(message.purpose) == digest:
            return message
    return None


def _digest(purpose):
    # As consult.correspondence.wire.message_id_header makes it.
    return hashlib.sha256(purpose.encode()).hexdigest()[:20]


def _contact_of(message):
    if message.recipient_link_id is None:
        return None
    return db.session.scalar(
        select(Contact)
        .join(RecipientLink, RecipientLink.contact_id == Contact.id)
        .where(RecipientLink.id == message.recipient_link_id)
    )


def _candidates():
    """Requests an email could be about: newest consultation first, open ones first."""
    return (
        select(Request, Contact)
        .join(Consultation, Consultation.id == Request.consultation_id)
        .join(RecipientLink, RecipientLink.request_id == Request.id)
        .join(Contact, Contact.id == RecipientLink.contact_id)
        .where(Request.status.in_(MATCHABLE_STATES))
        .order_by((Consultation.state == "open").desc(), Request.issued_at.desc(), Request.id)
    )


def _by_sender(address):
    row = db.session.execute(_candidates().where(Contact.email == address).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def _by_domain(address):
    domain = address.rpartition("@")[2]
    if not domain or domain in SHARED_DOMAINS:
        return None
    rows = db.session.execute(
        _candidates().where(func.lower(Contact.email).like(f"%@{_escaped(domain)}", escape="\\"))
    ).all()
    # Only the newest consultation's requests count, and only one organisation's.
    if not rows:
        return None
    newest = rows[0][0].consultation_id
    organisations = {
        request.organisation_id for request, _ in rows if request.consultation_id == newest
    }
    return rows[0][0] if len(organisations) == 1 else None


def _escaped(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _kept_attachments(attachments):
    """Each attachment named; a PDF or Word letter (by its content) kept as a file."""
    kept = []
    for filename, data in attachments[:20]:
        kind = sniff(data)
        entry = {
            "filename": (filename or "attachment")[:200],
            "kind": kind or "",
            "size": len(data),
        }
        if kind in LETTER_KINDS:
            entry["file_id"] = store_bytes(data, filename, kind).id
        kept.append(entry)
    return kept


# Bounces


def _file_bounce(arrival, email):
    arrival.failures = [
        {
            "address": failure.address,
            "permanent": failure.permanent,
            "status": failure.status,
            "reason": failure.reason,
        }
        for failure in email.failures
    ]
    messages = _bounced_messages(email)
    if not messages:
        return
    first = messages[0]
    if first.request_id is not None:
        request = first.request
        arrival.request_id, arrival.consultation_id = request.id, request.consultation_id
        arrival.contact_id = getattr(_contact_of(first), "id", None)
        arrival.answers_message_id = first.id
        arrival.matched_by = "thread" if _our_message(email.ours) is first else "sender"
    for message, failure in _paired(messages, email.failures):
        if failure.permanent:
            _mark_bounced(message, failure)


def _bounced_messages(email):
    """Consult's messages the bounce is about: the one it encloses or names, else the
    newest message sent to each address that failed."""
    named = _our_message(email.ours)
    if named is not None:
        return [named]
    found = []
    for failure in email.failures:
        message = db.session.scalar(
            select(Message)
            .options(load_only(*MESSAGE_FIELDS))
            .where(
                func.lower(Message.to_address) == failure.address,
                or_(Message.status == "sent", Message.bounced_at.is_not(None)),
            )
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(1)
        )
        if message is not None:
            found.append(message)
    return found


def _paired(messages, failures):
    """Each message with the failure for its address (or the first, when the report
    names one address and encloses the message)."""
    by_address = {failure.address: failure for failure in failures}
    for message in messages:
        failure = by_address.get(message.to_address.lower())
        if failure is None and len(failures) == 1:
            failure = failures[0]
        if failure is not None:
            yield message, failure


def _mark_bounced(message, failure):
    if message.bounced_at is not None:
        return
    now = utcnow()
    message.bounced_at = now
    message.status = "failed"
    message.failed_at = message.failed_at or now
    message.last_error = f"Bounced: {failure.reason or failure.status}"[:2000]
    request = message.request
    audit.record(
        "email bounced",
        request=request,
        message_id=message.id,
        address_domain=failure.address.rpartition("@")[2],
        status=failure.status,
    )
    db.session.flush()  # ``reachable`` reads the bounce just marked
    if request is not None and request.status in UNREACHED_STATES and not reachable(request):
        request.status = "failed"
        audit.record("request unreachable", request=request, reason=message.last_error)


def reachable(request):
    """Whether some contact of ``request`` with a live link has an address no mail to
    this request has bounced from."""
    bounced = requests.bounced_addresses([request.id]).get(request.id, set())
    addresses = db.session.scalars(
        select(func.lower(Contact.email))
        .join(RecipientLink, RecipientLink.contact_id == Contact.id)
        .where(
            RecipientLink.request_id == request.id,
            RecipientLink.revoked_at.is_(None),
            Contact.email.is_not(None),
        )
    ).all()
    return any(address not in bounced for address in addresses)


# Recording


class ArrivalError(ValueError):
    """What an officer asked of an arrived email cannot be done; the message says why."""


def record_as_reply(arrival, *, by, stance, publication, alternative_option=None):
    """The officer records a filed reply as the request's response, with the stance and
    publication they chose: the sender's own words, the first letter attached, the
    whole email kept for officers. Raises ArrivalError, or ResponseError for an answer
    the response cannot take."""
    if arrival.kind != "reply" or arrival.request is None:
        raise ArrivalError("Only a reply filed under a request can be recorded")
    if arrival.response_id is not None:
        raise ArrivalError("This email is already recorded as the reply")
    if arrival.dismissed_at is not None:
        raise ArrivalError("This email was set aside; put it back before recording it")
    letter = next(
        (db.session.get(StoredFile, a["file_id"]) for a in arrival.attachments if a.get("file_id")),
        None,
    )
    response = record.record_reply(
        arrival.request,
        by=by,
        received_at=arrival.sent_at or arrival.received_at,
        channel="email",
        stance=stance,
        comments=arrival.words,
        alternative_option=alternative_option,
        responder_name=arrival.sender_name,
        publication=publication,
        letter_file=letter,
        contact=arrival.contact,
        source="reply mailbox",
        source_file=arrival.raw_file,
    )
    db.session.flush()
    arrival.response_id = response.id
    return response
