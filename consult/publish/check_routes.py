"""Check redactions: before publishing, an officer looks at each partner's letter with
what will be taken out drawn on its pages, adds words to take out, leaves pages or the
whole letter out."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from consult import redaction
from consult.audit import services as audit
from consult.auth.access import officers_only
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.files.services import kind_of, stored_path
from consult.publish import annex as annexes
from consult.publish import queries
from consult.publish.forms import LetterCheckForm
from consult.publish.models import LetterCheck
from consult.redaction import letters

bp = Blueprint("letter_checks", __name__)

PAGE_DPI = 80


def _issued(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.state == "draft":
        abort(404)
    return consultation


def _letter(consultation, stored_file_id):
    """(letter as the annex sees it, its reply, the officer's check) or a 404."""
    row = queries.fetch_letter(consultation.id, stored_file_id)
    if row is None:
        abort(404)
    request, organisation, response, stored = row
    check = db.session.scalar(db.select(LetterCheck).where(LetterCheck.stored_file_id == stored.id))
    contacts = queries.fetch_contact_names(consultation.id, request.id).get(request.id, [])
    withheld = redaction.withheld_names(response.publication, response.responder_name, contacts)
    reply = annexes.Reply(
        organisation=organisation,
        sector="",
        received_at=request.responded_at,
        late=False,
        stance="",
        channel="",
        withheld_names=withheld,
    )
    letter = annexes.Letter(
        stored_file_id=stored.id,
        name=stored.original_filename,
        kind=kind_of(stored),
        path=stored_path(stored),
        words=check.word_list if check else [],
        left_out_pages=check.page_numbers if check else [],
        left_out=bool(check and check.left_out),
    )
    return letter, reply, check


@bp.route("/consultations/<int:consultation_id>/letters")
@officers_only
def index(consultation_id):
    consultation = _issued(consultation_id)
    rows = queries.fetch_letters(consultation.id)
    checks = queries.fetch_letter_checks(consultation.id)
    return render_template(
        "publish/letters.html",
        consultation=consultation,
        rows=rows,
        checks=checks,
        unchecked=sum(1 for *_rest, stored in rows if stored.id not in checks),
    )


def _letter_page(consultation, letter, reply, check, examined, form, status=200):
    found = {}
    for page in examined.pages:
        for box in page.boxes:
            found[box.kind] = found.get(box.kind, 0) + 1
    return render_template(
        "publish/letter.html",
        consultation=consultation,
        letter=letter,
        reply=reply,
        check=check,
        examined=examined,
        found=found,
        form=form,
    ), status


def _page_choices(form, examined):
    form.left_out_pages.choices = [
        (str(page.number), f"Page {page.number}") for page in examined.pages
    ]


@bp.route("/consultations/<int:consultation_id>/letters/<int:stored_file_id>")
@officers_only
def letter(consultation_id, stored_file_id):
    consultation = _issued(consultation_id)
    letter, reply, check = _letter(consultation, stored_file_id)
    form = LetterCheckForm(
        data={
            "words": "\n".join(letter.words),
            "left_out_pages": [str(number) for number in letter.left_out_pages],
            "left_out": letter.left_out,
        }
    )
    examined = annexes.examine(letter, reply)
    _page_choices(form, examined)
    return _letter_page(consultation, letter, reply, check, examined, form)


@bp.route("/consultations/<int:consultation_id>/letters/<int:stored_file_id>", methods=["POST"])
@officers_only
def save_check(consultation_id, stored_file_id):
    consultation = _issued(consultation_id)
    letter, reply, check = _letter(consultation, stored_file_id)
    form = LetterCheckForm()
    examined = annexes.examine(letter, reply)
    _page_choices(form, examined)
    if not form.validate_on_submit():
        return _letter_page(consultation, letter, reply, check, examined, form, 400)
    if check is None:
        check = LetterCheck(consultation_id=consultation.id, stored_file_id=stored_file_id)
        db.session.add(check)
    words = [line.strip() for line in (form.words.data or "").splitlines() if line.strip()]
    check.words = "\n".join(words)
    check.left_out_pages = ",".join(sorted(form.left_out_pages.data or [], key=int))
    check.left_out = bool(form.left_out.data)
    check.checked_by = current_user
    check.checked_at = utcnow()
    audit.record(
        "letter checked",
        user=current_user,
        consultation=consultation,
        stored_file_id=stored_file_id,
        words=len(words),
        left_out_pages=check.page_numbers,
        left_out=check.left_out,
    )
    db.session.commit()
    flash(f"Your check of the letter from {reply.organisation} is saved.", "success")
    return redirect(
        url_for(
            "letter_checks.letter", consultation_id=consultation.id, stored_file_id=stored_file_id
        )
    )


@bp.route(
    "/consultations/<int:consultation_id>/letters/<int:stored_file_id>/pages/<int:number>.png"
)
@officers_only
def page_image(consultation_id, stored_file_id, number):
    """One page of the letter with what will be taken out outlined in red."""
    consultation = _issued(consultation_id)
    letter, reply, _check = _letter(consultation, stored_file_id)
    if letter.kind != "pdf":
        abort(404)
    examined = annexes.examine(letter, reply)
    page = next((page for page in examined.pages if page.number == number), None)
    if page is None:
        abort(404)
    image = letters.page_image(letter.path, number, page.boxes, dpi=PAGE_DPI, burn=False)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    response = send_file(buffer, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
