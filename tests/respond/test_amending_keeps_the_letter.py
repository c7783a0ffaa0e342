"""A partner who changes a sent response keeps the letter they attached unless they
remove it."""

import io

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.respond.models import Response, ResponseDraft
from tests.files.samples import pdf_bytes
from tests.respond.test_journey import ANSWER, issued, new_token, open_link  # noqa: F401


def send(client, data):
    """Answer and send; the response as stored."""
    answered = client.post("/respond/answer", data=data, content_type="multipart/form-data")
    assert answered.status_code == 302, answered.get_data(as_text=True)
    db.session.expire_all()
    draft = db.session.scalar(select(ResponseDraft))
    sent = client.post(
        "/respond/check",
        data={"revision": draft.revision, "version_seen": draft.based_on_version or 0},
    )
    assert sent.status_code == 303
    db.session.expire_all()
    return db.session.scalars(select(Response).order_by(Response.version.desc())).first()


@pytest.fixture
def sent_with_a_letter(client, issued):  # noqa: F811
    open_link(client, new_token())
    first = send(client, {**ANSWER, "letter": (io.BytesIO(pdf_bytes()), "Signed letter.pdf")})
    assert first.version == 1 and first.letter_file.original_filename == "Signed letter.pdf"
    return first


def test_a_partner_who_changes_a_sent_response_keeps_the_attached_letter(
    client, sent_with_a_letter
):
    page = client.get("/respond/answer").get_data(as_text=True)
    assert "Attached now: Signed letter.pdf" in page
    assert "Remove Signed letter.pdf from the response" in page

    second = send(client, {**ANSWER, "stance": "does_not_support"})

    assert second.version == 2 and second.stance == "does_not_support"
    assert second.letter_file_id == sent_with_a_letter.letter_file_id
    assert second.letter_file.original_filename == "Signed letter.pdf"


def test_a_partner_who_ticks_remove_sends_the_change_without_the_letter(client, sent_with_a_letter):
    second = send(client, {**ANSWER, "remove_letter": "y"})

    assert second.version == 2 and second.letter_file_id is None
    # The first version keeps what was sent with it.
    first = db.session.get(Response, sent_with_a_letter.id)
    assert first.letter_file.original_filename == "Signed letter.pdf"


def test_a_new_letter_replaces_the_old_one_on_a_change(client, sent_with_a_letter):
    second = send(client, {**ANSWER, "letter": (io.BytesIO(pdf_bytes()), "Second letter.pdf")})

    assert second.letter_file.original_filename == "Second letter.pdf"
    assert second.letter_file_id != sent_with_a_letter.letter_file_id


def test_a_saved_draft_keeps_its_letter_when_saved_again(client, issued):  # noqa: F811
    open_link(client, new_token())
    client.post(
        "/respond/answer",
        data={**ANSWER, "letter": (io.BytesIO(pdf_bytes()), "Draft letter.pdf")},
        content_type="multipart/form-data",
    )

    revision = db.session.scalar(select(ResponseDraft.revision))
    response = send(client, {**ANSWER, "comments": "Changed before sending.", "revision": revision})

    assert response.comments == "Changed before sending."
    assert response.letter_file.original_filename == "Draft letter.pdf"
