"""The annex: 500 replies, 100 of them with a PDF letter attached, built as PDF and as
Word. The baseline is ReportLab alone setting the same 500 replies as one document, the
least any PDF annex must do."""

import io
import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import data
from bench.common import add_partners, bench_app, fresh_database, note, report


def _letter_pdf():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for line in range(40):
        page.drawString(
            72, 770 - line * 18, f"Line {line} of our letter about the preferred option."
        )
    page.showPage()
    page.save()
    return buffer.getvalue()


def _baseline(replies):
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    story = []
    for reply in replies:
        story += [
            Paragraph(reply.organisation, styles["Heading2"]),
            Paragraph(reply.text, styles["BodyText"]),
            PageBreak(),
        ]
    started = time.perf_counter()
    SimpleDocTemplate(io.BytesIO()).build(story)
    return time.perf_counter() - started


def run():
    count = int(os.environ.get("BENCH_ANNEX_REPLIES", 500))
    with_letters = count // 5
    with tempfile.TemporaryDirectory() as tmp, fresh_database() as url:
        app = bench_app(url, Path(tmp))
        from consult.db import utcnow
        from consult.extensions import db
        from consult.files.services import store_bytes
        from consult.publish import annex as annexes
        from tests import factories

        with app.app_context():
            officer = factories.create_user("officer")
            add_partners(count)
            consultation = data.open_consultation(officer, "ANNEX-1")
            data.issue_to_everyone(consultation, limit=count)
            data.respond_to_all(consultation)
            letter = _letter_pdf()
            ids = db.session.scalars(
                sa.text(f"SELECT id FROM responses ORDER BY id LIMIT {with_letters}")
            ).all()
            for response_id in ids:
                stored = store_bytes(letter, "letter.pdf", "pdf")
                db.session.execute(
                    sa.text("UPDATE responses SET letter_file_id = :file WHERE id = :id"),
                    {"file": stored.id, "id": response_id},
                )
            db.session.commit()

            started = time.perf_counter()
            annex = annexes.collect(consultation, now=utcnow())
            pdf = annexes.render_pdf(annex)
            pdf_seconds = time.perf_counter() - started
            started = time.perf_counter()
            annexes.render_docx(annexes.collect(consultation, now=utcnow()))
            word_seconds = time.perf_counter() - started
            baseline = _baseline(annex.published)
    note(f"{count} replies, {with_letters} with a PDF letter; the PDF is {len(pdf) / 1e6:.1f} MB")
    report(f"Annex of {count} replies as PDF", pdf_seconds, baseline, "s", higher_is_better=False)
    report(f"Annex of {count} replies as Word", word_seconds, baseline, "s", higher_is_better=False)
