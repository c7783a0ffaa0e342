"""Headers, CSRF, cookies and error pages that hold on every response."""

import pytest
from flask import abort

from config import TestConfig
from consult import create_app
from consult.auth.access import public
from consult.extensions import db
from tests import factories
from tests.conftest import make_config


def test_every_page_sends_the_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]

    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_only_inline_script_carries_this_responses_nonce(client):
    response = client.get("/sign-in")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    page = response.get_data(as_text=True)

    assert page.count("<script") == 2  # GOV.UK's js-enabled line, and our module file
    assert f'<script nonce="{nonce}">' in page
    assert '<script type="module" src="/static/js/init.mjs"></script>' in page


def test_production_sends_hsts_and_a_secure_host_only_cookie(app, database_url, tmp_path):
    user = factories.create_user("officer")
    db.session.commit()
    production_like = create_app(
        make_config(
            database_url,
            tmp_path,
            HSTS_SECONDS=31536000,
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-consult_session",
        )
    )

    response = production_like.test_client().post(
        "/sign-in",
        data={"email": user.email, "password": factories.PASSWORD},
        base_url="https://consult.council.example",
    )

    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-consult_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain" not in cookie


def test_a_form_posted_without_its_csrf_token_is_refused(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))
    response = app.test_client().post(
        "/sign-in", data={"email": "officer@council.example", "password": "anything at all"}
    )

    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_the_sign_in_form_carries_a_csrf_token(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))
    page = app.test_client().get("/sign-in").get_data(as_text=True)

    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (400, "There was a problem with your request"),
        (403, "You do not have permission to see this page"),
        (404, "Page not found"),
        (405, "This page cannot be used that way"),
        (413, "The file is too large"),
        (429, "Too many attempts"),
        (500, "Sorry, there is a problem with the service"),
    ],
)
def test_error_pages_are_in_the_service_style_and_say_what_to_do(
    database_url, tmp_path, status, words
):
    app = create_app(make_config(database_url, tmp_path))

    @app.route("/fail")
    @public
    def fail():
        if status == 500:
            raise RuntimeError("something broke")
        abort(status)

    response = app.test_client().get("/fail")
    page = response.get_data(as_text=True)

    assert response.status_code == status
    assert words in page
    assert "govuk-template" in page and "Consult" in page
    assert "Traceback" not in page and "something broke" not in page


def test_an_unknown_address_gets_the_404_page(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_wrong_method_gets_the_405_page(client):
    response = client.get("/sign-out")

    assert response.status_code == 405
    assert "This page cannot be used that way" in response.get_data(as_text=True)


def test_an_upload_over_the_cap_gets_the_413_page(client, app):
    response = client.post(
        "/sign-in",
        data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_test_config_has_csrf_on_by_default():
    assert getattr(TestConfig, "WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/partners?q=abc%00def", None),
        ("post", "/sign-in", {"email": "a\x00b@council.example", "password": "x"}),
    ],
)
def test_a_nul_character_is_a_bad_request_not_a_server_error(client, sign_in, method, url, data):
    sign_in("scrutiny")
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
