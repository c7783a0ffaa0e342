"""Every model, imported in one place so the metadata (and Alembic) knows them all."""

from consult.audit.models import AuditChainHead, AuditEvent
from consult.auth.models import Invitation, RecoveryCode, Setting, SignIn, User
from consult.consideration.models import Point, SuggestionRun, Theme
from consult.consultations.models import Consultation, Criterion, Document, Option, Score
from consult.correspondence.models import Message, SendAllowance
from consult.directory.models import Contact, Organisation, PartnerImport, Sector
from consult.files.models import StoredFile
from consult.health.models import WorkerHeartbeat
from consult.inbox.models import Arrival, MailboxPosition
from consult.publish.models import AnnexBuild, LetterCheck
from consult.reminders.models import ReminderSlot
from consult.requests.models import LinkToken, RecipientLink, Request
from consult.respond.models import Response, ResponseDraft

__all__ = [
    "AnnexBuild",
    "Arrival",
    "AuditChainHead",
    "AuditEvent",
    "Consultation",
    "Contact",
    "Criterion",
    "Document",
    "Invitation",
    "LetterCheck",
    "LinkToken",
    "MailboxPosition",
    "Message",
    "Option",
    "Organisation",
    "PartnerImport",
    "Point",
    "RecipientLink",
    "RecoveryCode",
    "ReminderSlot",
    "Request",
    "Response",
    "ResponseDraft",
    "Score",
    "Sector",
    "SendAllowance",
    "Setting",
    "SignIn",
    "StoredFile",
    "SuggestionRun",
    "Theme",
    "User",
    "WorkerHeartbeat",
]
