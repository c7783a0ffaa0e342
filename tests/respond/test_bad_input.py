"""Whatever a partner types or sends: a clear answer, never a 500, nothing half-saved."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consult import create_app
from consult.extensions import db
from consult.respond.forms import clean_text
from consult.respond.models import Response, ResponseDraft
from tests import factories
from tests.conftest import make_config

FIXTURES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def partner(app, client):
    token = factories.create_partner_link()
    assert client.post(f"/r/{token}").status_code == 303
    return client


def current_revision():
    db.session.expire_all()
    return db.session.scalar(select(ResponseDraft.revision)) or 0


@FIXTURES
@given(text=st.text(max_size=3000))
def test_any_comments_are_kept_as_written_less_control_characters(partner, text):
    response = partner.post(
        "/respond/answer",
        data={"comments": text, "save": "Save", "revision": current_revision()},
    )

    assert response.status_code in (302, 400)
    if response.status_code == 302:
        db.session.expire_all()
        assert db.session.scalar(select(ResponseDraft.comments)) == clean_text(text)


@FIXTURES
@given(
    name=st.text(max_size=300),
    role=st.text(max_size=300),
    stance=st.one_of(st.none(), st.text(max_size=40), st.sampled_from(["supports", "no_view"])),
    publication=st.one_of(st.none(), st.text(max_size=30), st.just("publish")),
    alternative=st.one_of(st.none(), st.integers(), st.text(max_size=10)),
)
def test_any_mix_of_fields_gets_a_clear_answer_never_a_500(
    partner, name, role, stance, publication, alternative
):
    data = {
        "responder_name": name,
        "responder_role": role,
        "submit": "Continue",
        "answers_for_organisation": "y",
        "revision": current_revision(),
    }
    for key, value in (
        ("stance", stance),
        ("publication", publication),
        ("alternative_option", alternative),
    ):
        if value is not None:
            data[key] = value

    response = partner.post("/respond/answer", data=data)

    assert response.status_code in (302, 400), response.status_code
    assert db.session.scalar(select(Response)) is None  # nothing is sent by Continue


def test_over_long_comments_are_refused_with_a_message(partner):
    response = partner.post(
        "/respond/answer", data={"comments": "x" * 20_001, "save": "Save", "revision": 0}
    )

    assert response.status_code == 400
    assert "Comments must be 20,000 characters or fewer" in response.get_data(as_text=True)
    assert db.session.scalar(select(ResponseDraft)) is None


def test_a_huge_upload_gets_the_413_page_and_nothing_is_stored(partner):
    response = partner.post(
        "/respond/answer",
        data={"comments": "x" * (11 * 1024 * 1024), "save": "Save"},
    )

    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert db.session.scalar(select(ResponseDraft)) is None


def test_a_stale_form_comes_back_filled_instead_of_losing_the_words(app, database_url, tmp_path):
    guarded = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))
    client = guarded.test_client()
    with guarded.app_context():
        token = factories.create_partner_link()
    landing = client.get(f"/r/{token}").get_data(as_text=True)
    csrf = landing.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(f"/r/{token}", data={"csrf_token": csrf}).status_code == 303

    response = client.post(
        "/respond/answer",
        data={
            "comments": "Three paragraphs of careful thought",
            "save": "Save",
            "csrf_token": "expired-token",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "the form had expired" in page
    assert "Three paragraphs of careful thought" in page


def test_with_no_session_left_the_words_are_shown_to_copy(app, database_url, tmp_path):
    guarded = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))

    response = guarded.test_client().post(
        "/respond/answer", data={"comments": "Words worth keeping <b>bold</b>", "save": "Save"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answer was not saved" in page
    assert "Words worth keeping &lt;b&gt;bold&lt;/b&gt;" in page
