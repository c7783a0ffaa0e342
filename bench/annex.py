"""The annex: 500 replies, 100 of them with a PDF letter attached (10 of those scans),
built as PDF, Word and a web page, redaction included: letters read, details found (by
text recognition for the scans) and burned in. The target is an absolute one: the PDF
ready in at most 60 s; the ratio printed is 60 s over the time taken."""

import io
import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import data
from bench.common import add_partners, bench_app, fresh_database, note, report

TARGET_SECONDS = 60
COMMENTS = (
    "We have read the appraisal and support Option 3, on condition that the partner "
    "brought in has a proven record of improving children's services.\n\n"
    "Our concerns are continuity for schools during the change and a joint safeguarding "
    "plan agreed with the board before the new arrangements start.\n\n"
    "Call our office on 01709 822000 or write to office@school.example with any questions."
)


def _letter_pdf(pages=2):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(pages):
        page.drawString(72, 780, "Head's office: head@school.example   Tel 0114 496 0123")
        for line in range(34):
            page.drawString(
                72, 750 - line * 20, f"Page {number + 1}, line {line}: our view on the options."
            )
        page.showPage()
    page.save()
    return buffer.getvalue()


def _scan(pdf):
    import pypdfium2

    images = [
        page.render(scale=200 / 72).to_pil().convert("L") for page in pypdfium2.PdfDocument(pdf)
    ]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=200)
    return buffer.getvalue()


def run():
    count = int(os.environ.get("BENCH_ANNEX_REPLIES", 500))
    with_letters = count // 5
    scans = with_letters // 10
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
            db.session.execute(sa.text("UPDATE responses SET comments = :text"), {"text": COMMENTS})
            letter = _letter_pdf()
            scan = _scan(_letter_pdf(pages=1))
            ids = db.session.scalars(
                sa.text(f"SELECT id FROM responses ORDER BY id LIMIT {with_letters}")
            ).all()
            for number, response_id in enumerate(ids):
                is_scan = number < scans
                stored = store_bytes(
                    scan if is_scan else letter, "scan.pdf" if is_scan else "letter.pdf", "pdf"
                )
                db.session.execute(
                    sa.text("UPDATE responses SET letter_file_id = :file WHERE id = :id"),
                    {"file": stored.id, "id": response_id},
                )
            db.session.commit()

            timings = {}
            sizes = {}
            for name, build in (
                ("PDF", annexes.build_pdf),
                ("Word", annexes.build_docx),
                ("web page", annexes.build_html),
            ):
                started = time.perf_counter()
                output = build(annexes.collect(consultation, now=utcnow()))
                timings[name] = time.perf_counter() - started
                sizes[name] = len(output)
    note(
        f"{count} replies, {with_letters} with a PDF letter ({scans} of them scans, read by "
        f"Tesseract); the PDF is {sizes['PDF'] / 1e6:.1f} MB, the Word file "
        f"{sizes['Word'] / 1e6:.1f} MB"
    )
    for name, seconds in timings.items():
        report(
            f"Annex of {count} replies as {name}, redaction included",
            seconds,
            TARGET_SECONDS,
            "s",
            higher_is_better=False,
            target=f"ready in at most {TARGET_SECONDS} s" if name == "PDF" else None,
        )
