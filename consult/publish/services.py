"""Building the annex: queued by an officer, built by the worker with progress."""

from datetime import timedelta

from sqlalchemy import select, update

from consult.audit import services as audit
from consult.db import utcnow
from consult.extensions import db
from consult.files.services import store_bytes
from consult.publish import annex as annexes
from consult.publish.models import ANNEX_FORMATS, AnnexBuild


class PublishError(ValueError):
    """The annex cannot be built as asked; the message says why."""


def request_annex(consultation, annex_format, *, by=None):
    if annex_format not in ANNEX_FORMATS:
        raise PublishError("Choose PDF, Word or web page")
    if consultation.state == "draft":
        raise PublishError("A draft consultation has no replies to publish yet.")
    build = AnnexBuild(
        consultation_id=consultation.id,
        format=annex_format,
        requested_by_id=by.id if by is not None else None,
    )
    db.session.add(build)
    db.session.flush()
    audit.record(
        "annex requested",
        user=by,
        consultation=consultation,
        build_id=build.id,
        format=annex_format,
    )
    return build


def claim_build(build_id):
    """Mark a queued build as under way; False if it is not waiting."""
    result = db.session.execute(
        update(AnnexBuild)
        .where(AnnexBuild.id == build_id, AnnexBuild.status == "queued")
        .values(status="building", updated_at=utcnow())
    )
    return result.rowcount == 1


def build_annex(build, *, on_progress=lambda: None):
    """Write the annex file and keep it. ``on_progress`` is called after each reply, with
    ``build.done`` updated, so the caller can commit and the page can show it."""
    consultation = build.consultation
    annex = annexes.collect(consultation, now=utcnow())
    build.total = len(annex.replies)
    build.done = 0
    on_progress()

    def progress(done):
        build.done = done
        build.updated_at = utcnow()
        on_progress()

    render = {
        "pdf": annexes.build_pdf,
        "docx": annexes.build_docx,
        "html": annexes.build_html,
    }[build.format]
    data = render(annex, progress=progress)
    filename = f"Letters from Partners {consultation.reference}"
    build.stored_file = store_bytes(data, filename, build.format)
    build.status = "done"
    build.finished_at = utcnow()
    audit.record(
        "exported",
        user=build.requested_by,
        consultation=consultation,
        what="annex",
        format=build.format,
        build_id=build.id,
        replies=annex.replied,
        published_replies=len(annex.replies),
        sha256=build.stored_file.sha256,
    )
    return build


def publish_build(build, *, by):
    """Note that ``build``'s file is the one the council publishes: who, when, and the
    file's SHA-256 in the audit trail."""
    if build.status != "done" or build.stored_file is None:
        raise PublishError("Only an annex that has been built can be published.")
    if build.published_at is not None:
        raise PublishError("This annex has already been published.")
    build.published_at = utcnow()
    build.published_by = by
    audit.record(
        "annex published",
        user=by,
        consultation=build.consultation,
        build_id=build.id,
        format=build.format,
        file=build.stored_file.original_filename,
        sha256=build.stored_file.sha256,
    )
    return build


def mark_failed(build_id, error):
    """A build that stopped with an error: said on its page, never retried on its own."""
    db.session.execute(
        update(AnnexBuild)
        .where(AnnexBuild.id == build_id)
        .values(
            status="failed", error=f"{type(error).__name__}: {error}"[:500], finished_at=utcnow()
        )
    )


def release_stalled_builds(*, queued_for=timedelta(minutes=1), silent_for=timedelta(minutes=10)):
    """Ids of builds to hand out again: queued a while ago, or with no progress for long
    enough that their worker must have stopped."""
    now = utcnow()
    db.session.execute(
        update(AnnexBuild)
        .where(AnnexBuild.status == "building", AnnexBuild.updated_at < now - silent_for)
        .values(status="queued", updated_at=now - queued_for)
    )
    return db.session.scalars(
        select(AnnexBuild.id).where(
            AnnexBuild.status == "queued", AnnexBuild.updated_at <= now - queued_for
        )
    ).all()


def fetch_builds(consultation_id, limit=10):
    return db.session.scalars(
        select(AnnexBuild)
        .where(AnnexBuild.consultation_id == consultation_id)
        .order_by(AnnexBuild.id.desc())
        .limit(limit)
    ).all()
