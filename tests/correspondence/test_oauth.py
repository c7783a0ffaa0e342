"""Sending with OAuth 2.0: SMTP AUTH XOAUTH2 with a token from the client-credentials flow.

Against real servers on loopback: an SMTP server (aiosmtpd, STARTTLS as Exchange Online's
port 587 speaks it) that takes no password and no mail before an XOAUTH2 sign-in with a
token it knows, and an HTTP server playing the provider: Microsoft's tenant discovery and
token endpoint for msal (reached through msal's documented ``http_client``), or any
provider's token URL (reached by Consult's own urllib request).
"""

import base64
import binascii
import collections
import datetime
import functools
import html
import json
import secrets
import smtplib
import ssl
import urllib.error
import urllib.request
from email import message_from_bytes, policy
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from config import ConfigurationError, ProductionConfig
from consult.correspondence import oauth, services
from consult.correspondence.models import Message
from consult.db import utcnow
from consult.extensions import db
from tests import factories
from tests.oauth_provider import TokenEndpoint
from tests.smtp import free_port, text_of
from worker.tasks.correspondence import deliver_messages

MAILBOX = "consult@council.example"


class LocalResponse:
    """The response shape msal's HttpClient documents: status_code, text, headers."""

    def __init__(self, status_code, text, headers):
        self.status_code, self.text, self.headers = status_code, text, headers

    def raise_for_status(self):
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


class ThroughLocalEndpoint:
    """msal's ``http_client`` (msal.oauth2cli.http.HttpClient: ``get`` and ``post``):
    what msal sends to login.microsoftonline.com goes over real HTTP to the test's
    endpoint instead. The one thing in these tests that stands in for someone else's."""

    def __init__(self, endpoint):
        self.base_url = endpoint.url

    def get(self, url, params=None, headers=None, **kwargs):
        return self._send("GET", url, params, None, headers)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._send("POST", url, params, data, headers)

    def close(self):
        pass

    def _send(self, method, url, params, data, headers):
        url = url.replace(oauth.MICROSOFT_AUTHORITY, self.base_url, 1)
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        body = urlencode(data) if isinstance(data, dict) else data
        headers = {k: v for k, v in (headers or {}).items() if v is not None}
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(
            url, data=body.encode() if body is not None else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return LocalResponse(
                    response.status, response.read().decode(), dict(response.headers)
                )
        except urllib.error.HTTPError as error:
            return LocalResponse(error.code, error.read().decode(), dict(error.headers))


# The mail server that takes only XOAUTH2 ------------------------------------------------


class XOAuth2Mailbox:
    """The aiosmtpd handler: signs in with XOAUTH2 only, as the council's mailbox with a
    token the endpoint issued as good; keeps each message with who sent it."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.sign_ins = []  # (mailbox, token) of each accepted sign-in
        self.refusals = 0
        self.messages = []  # (signed-in mailbox, recipients, message)

    async def auth_XOAUTH2(self, server, args):
        if len(args) == 2:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        else:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        if fields.get("user") == MAILBOX and token in self.endpoint.good_tokens:
            self.sign_ins.append((fields["user"], token))
            return AuthResult(success=True, auth_data=fields["user"])
        self.refusals += 1
        # As Exchange and Gmail do: the reason as a challenge, the 535 after the client's
        # empty answer.
        if (
            await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer"}))
            is MISSING
        ):
            return AuthResult(success=False, handled=True)
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((session.auth_data, envelope.rcpt_tos[:], message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for _who, recipients, message in self.messages if address in recipients]


class XOAuth2OnlySMTP(SMTP):
    # RFC 4954: an AUTH line may run to 12,288 octets, which a real token needs.
    line_length_limit = 12_288

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.command_size_limits = collections.defaultdict(
            lambda: SMTP.command_size_limit, AUTH=12_288
        )


class XOAuth2Server(Controller):
    """No AUTH PLAIN or LOGIN, no AUTH before STARTTLS, no mail before AUTH."""

    def __init__(self, handler, port, tls_context):
        super().__init__(
            handler,
            hostname="127.0.0.1",
            port=port,
            tls_context=tls_context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            auth_exclude_mechanism=["LOGIN", "PLAIN"],
        )

    def factory(self):
        return XOAuth2OnlySMTP(self.handler, **self.SMTP_kwargs)


def self_signed(key, name):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def pem(key, certificate):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def tls_context(tmp_path_factory):
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path_factory.mktemp("tls") / "smtp.pem"
    path.write_bytes(pem(key, self_signed(key, "127.0.0.1")))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(path)
    return context


# Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def endpoint():
    # Settings of this test's own, so that no provider kept by another test is reused.
    run = secrets.token_hex(4)
    endpoint = TokenEndpoint(
        tenant=f"tenant-{run}", client_id=f"client-{run}", secret=f"Sh/h:{secrets.token_hex(16)}"
    )
    endpoint.start()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def mail_server(endpoint, tls_context):
    mailbox = XOAuth2Mailbox(endpoint)
    controller = XOAuth2Server(mailbox, free_port(), tls_context)
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


def send_through(app, port, endpoint, provider):
    """Point the app at the XOAUTH2 server on ``port``, with tokens from ``provider``."""
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_USE_TLS=True,
        MAIL_TIMEOUT_SECONDS=5,
        MAIL_AUTH="oauth2",
        MAIL_USERNAME=MAILBOX,
        MAIL_PASSWORD=None,
        MAIL_OAUTH_PROVIDER=provider,
        MAIL_OAUTH_CLIENT_ID=endpoint.client_id,
        MAIL_OAUTH_CLIENT_SECRET=endpoint.secret,
    )
    if provider == "microsoft":
        app.config.update(MAIL_OAUTH_TENANT_ID=endpoint.tenant)
    else:
        app.config.update(
            MAIL_OAUTH_TOKEN_URL=f"{endpoint.url}/token",
            MAIL_OAUTH_SCOPES=("https://mail.council.example/.default",),
        )
    return app


@pytest.fixture
def local_microsoft(monkeypatch, endpoint):
    """msal's requests go to the test's endpoint, through msal's ``http_client``."""
    monkeypatch.setattr(
        oauth,
        "MicrosoftToken",
        functools.partial(oauth.MicrosoftToken, http_client=ThroughLocalEndpoint(endpoint)),
    )


@pytest.fixture(params=["microsoft", "token_url"])
def provider(request):
    if request.param == "microsoft":
        request.getfixturevalue("local_microsoft")
    return request.param


@pytest.fixture
def oauth_app(app, mail_server, endpoint, provider):
    return send_through(app, mail_server.port, endpoint, provider)


def provider_name(provider):
    return "Microsoft 365" if provider == "microsoft" else "127.0.0.1"


def queue(number=1):
    message = services.store_message(
        purpose=f"oauth-test:{number}",
        kind="invitation",
        to_address=f"head{number}@wingfield-academy.example",
        to_name="Alex Morgan",
        subject="Children's services: your organisation's view is requested",
        text="Dear Alex Morgan,\n\nPlease reply.",
        html="<p>Dear Alex Morgan,</p><p>Please reply.</p>",
    )
    db.session.commit()
    return message


def reload(message):
    db.session.expire_all()
    return db.session.get(Message, message.id)


def due_now(message):
    message = reload(message)
    message.next_attempt_at = utcnow()
    db.session.commit()


# Sending ----------------------------------------------------------------------------


def test_a_message_is_sent_signed_in_as_the_mailbox_with_an_xoauth2_token(
    oauth_app, mail_server, endpoint, provider
):
    message = queue()

    deliver_messages([message.id])

    assert reload(message).status == "sent", reload(message).last_error
    [received] = mail_server.to("head1@wingfield-academy.example")
    assert "Please reply." in text_of(received)
    [(signed_in_as, _recipients, _message)] = mail_server.messages
    assert signed_in_as == MAILBOX
    assert mail_server.sign_ins == [(MAILBOX, endpoint.issued[0])]
    [asked] = endpoint.token_requests
    assert asked["grant_type"] == "client_credentials"
    if provider == "microsoft":
        assert "https://outlook.office365.com/.default" in asked["scope"].split()
    else:
        assert asked["scope"] == "https://mail.council.example/.default"
        assert "client_secret" not in asked  # sent with HTTP Basic instead


def test_the_mail_server_takes_no_password_and_no_mail_without_a_token(app, mail_server, endpoint):
    with smtplib.SMTP("127.0.0.1", mail_server.port, timeout=5) as host:
        host.starttls()
        host.ehlo()
        assert host.esmtp_features["auth"].split() == ["XOAUTH2"]
        with pytest.raises(smtplib.SMTPException, match="No suitable authentication method"):
            host.login(MAILBOX, "a password")
        plain = base64.b64encode(f"\0{MAILBOX}\0a password".encode()).decode()
        assert host.docmd("AUTH", f"PLAIN {plain}")[0] == 504
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            host.sendmail(MAILBOX, ["head1@wingfield-academy.example"], b"Subject: x\r\n\r\nx")
        assert refused.value.smtp_code == 530

    # Consult signing in with a password, as before, sends nothing here.
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mail_server.port,
        MAIL_USE_TLS=True,
        MAIL_TIMEOUT_SECONDS=5,
        MAIL_AUTH="password",
        MAIL_USERNAME=MAILBOX,
        MAIL_PASSWORD="a password",
    )
    message = queue()
    deliver_messages([message.id])
    assert reload(message).status == "queued"
    assert mail_server.messages == [] and endpoint.token_calls == 0


def test_a_certificate_signs_msals_request_instead_of_a_secret(
    app, mail_server, endpoint, local_microsoft, tmp_path
):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = self_signed(key, "Consult")
    path = tmp_path / "consult.pem"
    path.write_bytes(pem(key, certificate))
    endpoint.certificate = certificate
    send_through(app, mail_server.port, endpoint, "microsoft")
    app.config.update(
        MAIL_OAUTH_CLIENT_SECRET=None,
        MAIL_OAUTH_CERTIFICATE_PATH=str(path),
        # msal's .pem option names the certificate by its SHA-1 thumbprint, as Entra shows it
        MAIL_OAUTH_CERTIFICATE_THUMBPRINT=certificate.fingerprint(hashes.SHA1()).hex().upper(),
    )
    message = queue()

    deliver_messages([message.id])

    assert reload(message).status == "sent", reload(message).last_error
    [asked] = endpoint.token_requests
    assert "client_secret" not in asked and "client_assertion" in asked


# Keeping the token ---------------------------------------------------------------------


def test_one_token_serves_batch_after_batch(oauth_app, mail_server, endpoint):
    first, second = queue(1), queue(2)

    deliver_messages([first.id])
    deliver_messages([second.id])

    assert reload(first).status == reload(second).status == "sent"
    assert endpoint.token_calls == 1
    assert [token for _who, token in mail_server.sign_ins] == [endpoint.issued[0]] * 2


def test_a_token_url_token_is_used_until_a_minute_before_it_expires(endpoint):
    now = [1000.0]
    tokens = oauth.TokenUrl(
        f"{endpoint.url}/token", endpoint.client_id, endpoint.secret, clock=lambda: now[0]
    )

    first = tokens.token()
    now[0] += 3600 - 61
    assert tokens.token() == first
    assert endpoint.token_calls == 1

    now[0] += 2  # 59 seconds to go
    second = tokens.token()
    assert second != first and endpoint.token_calls == 2
    assert tokens.token() == second and endpoint.token_calls == 2


def test_msal_keeps_its_token_and_asks_again_within_five_minutes_of_expiry(endpoint):
    def microsoft():
        return oauth.MicrosoftToken(
            endpoint.tenant,
            endpoint.client_id,
            secret=endpoint.secret,
            http_client=ThroughLocalEndpoint(endpoint),
        )

    lasting = microsoft()
    assert lasting.token() == lasting.token() == endpoint.issued[0]
    assert endpoint.token_calls == 1

    endpoint.expires_in = 290  # less than msal's five minutes
    expiring = microsoft()
    first = expiring.token()
    second = expiring.token()
    assert first != second and endpoint.token_calls == 3


# When the token is refused ------------------------------------------------------------


def test_a_refused_token_keeps_mail_waiting_with_the_reason_until_a_good_token_comes(
    oauth_app, mail_server, endpoint, provider
):
    first, second = queue(1), queue(2)
    endpoint.issue_good = False  # e.g. SMTP.SendAsApp not yet granted in the tenant

    deliver_messages([first.id, second.id])

    waiting = reload(first)
    assert waiting.status == "queued" and waiting.attempts == 1
    assert waiting.last_error.startswith(
        f"The mail server refused Consult's sign-in token ({provider_name(provider)}): 535"
    )
    assert waiting.last_error.endswith("; mail will be tried again")
    # A new token was asked for and tried once; then the batch waited.
    assert endpoint.token_calls == 2 and mail_server.refusals == 2
    assert reload(second).status == "queued" and reload(second).attempts == 0
    assert mail_server.messages == []

    endpoint.issue_good = True
    due_now(first)
    deliver_messages([first.id, second.id])

    assert reload(first).status == reload(second).status == "sent"
    assert reload(first).last_error == ""
    assert endpoint.token_calls == 3  # the refused token was not used again
    assert len(mail_server.messages) == 2


def test_a_token_revoked_before_it_expires_is_replaced_and_the_mail_goes(
    oauth_app, mail_server, endpoint
):
    first, second = queue(1), queue(2)
    deliver_messages([first.id])
    endpoint.good_tokens.clear()  # e.g. the app's secret was rotated, or access withdrawn

    deliver_messages([second.id])

    assert reload(second).status == "sent", reload(second).last_error
    assert mail_server.refusals == 1 and endpoint.token_calls == 2
    assert mail_server.sign_ins[-1] == (MAILBOX, endpoint.issued[1])


def test_mail_waits_however_often_the_token_is_refused(oauth_app, mail_server, endpoint):
    oauth_app.config["MAIL_MAX_ATTEMPTS"] = 2
    endpoint.issue_good = False
    message = queue()

    for _ in range(3):
        deliver_messages([message.id])
        due_now(message)

    assert reload(message).status == "queued" and reload(message).attempts == 3


def test_a_token_endpoint_that_refuses_keeps_mail_waiting_and_says_why(
    oauth_app, mail_server, endpoint, provider
):
    endpoint.refusal = (
        401,
        {
            "error": "invalid_client",
            # An endpoint that repeats the secret back is not repeated by Consult.
            "error_description": f"The secret {endpoint.secret} has expired.\r\nTrace ID: 1",
        },
    )
    message = queue()

    deliver_messages([message.id])

    waiting = reload(message)
    assert waiting.status == "queued"
    assert (
        f"{provider_name(provider)} would not give Consult a sign-in token: invalid_client:"
        " The secret [secret] has expired." in waiting.last_error
    )
    assert "Trace ID" not in waiting.last_error
    assert endpoint.secret not in waiting.last_error
    assert mail_server.messages == []

    endpoint.refusal = None
    due_now(message)
    deliver_messages([message.id])
    assert reload(message).status == "sent"


def test_an_unreachable_token_endpoint_keeps_mail_waiting(oauth_app, mail_server, endpoint):
    endpoint.stop()
    message = queue()

    deliver_messages([message.id])

    waiting = reload(message)
    assert waiting.status == "queued"
    assert "Could not get a sign-in token from" in waiting.last_error
    assert waiting.last_error.endswith("; mail will be tried again")


def test_the_send_out_page_shows_a_refused_token_as_mail_waiting(
    client, sign_in, oauth_app, mail_server, endpoint
):
    officer = sign_in("officer")
    consultation = factories.create_ready_consultation(
        officer, [factories.create_organisation(f"School {n}") for n in range(2)]
    )
    db.session.commit()
    client.post(f"/consultations/{consultation.id}/issue")
    endpoint.issue_good = False

    deliver_messages(list(db.session.scalars(select(Message.id).order_by(Message.id))))

    page = html.unescape(
        client.get(f"/consultations/{consultation.id}/send-out").get_data(as_text=True)
    )
    assert "The mail server refused Consult's sign-in token" in page
    assert "mail will be tried again" in page
    progress = client.get(f"/consultations/{consultation.id}/send-out.json").get_json()
    assert progress["waiting"] == 2 and progress["failed"] == 0


def test_nothing_of_the_secret_or_a_token_is_logged(oauth_app, mail_server, endpoint, caplog):
    caplog.set_level("DEBUG")
    sent, refused = queue(1), queue(2)

    deliver_messages([sent.id])
    endpoint.good_tokens.clear()  # revoked
    endpoint.issue_good = False
    deliver_messages([refused.id])

    assert reload(sent).status == "sent" and reload(refused).status == "queued"
    assert len(endpoint.issued) == 2  # the revoked one, and the one tried after it
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    sign_in_lines = [
        base64.b64encode(f"user={MAILBOX}\x01auth=Bearer {token}\x01\x01".encode()).decode()
        for token in endpoint.issued
    ]
    for secret in [endpoint.secret, *endpoint.issued, *sign_in_lines]:
        assert secret not in logged
    for token in endpoint.issued:
        assert token[:40] not in logged  # nor a part of one
    assert endpoint.secret not in reload(refused).last_error


# Choosing the provider, and refusing to start without what it needs ------------------


def test_password_sign_in_has_no_token_provider(app):
    assert app.config["MAIL_AUTH"] == "password"
    assert oauth.token_provider(app.config) is None


def test_the_provider_is_chosen_by_the_settings_and_kept(app, endpoint):
    send_through(app, 587, endpoint, "microsoft")
    microsoft = oauth.token_provider(app.config)
    assert isinstance(microsoft, oauth.MicrosoftToken)
    assert microsoft.tenant == endpoint.tenant
    assert microsoft.scopes == ["https://outlook.office365.com/.default"]
    assert oauth.token_provider(app.config) is microsoft

    app.config.update(MAIL_OAUTH_PROVIDER="token_url", MAIL_OAUTH_TOKEN_URL=f"{endpoint.url}/t")
    token_url = oauth.token_provider(app.config)
    assert isinstance(token_url, oauth.TokenUrl) and token_url.url == f"{endpoint.url}/t"


def production(**settings):
    base = {
        "SECRET_KEY": "s",
        "APP_BASE_URL": "https://consult.council.example",
        "MAIL_BACKEND": "smtp",
        "MAIL_DEFAULT_SENDER": MAILBOX,
        "MAIL_USE_TLS": True,
        "MAIL_AUTH": "oauth2",
        "MAIL_USERNAME": MAILBOX,
    }
    return type("Council", (ProductionConfig,), {**base, **settings})


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MAIL_OAUTH_PROVIDER": "microsoft"}, ["MAIL_OAUTH_CLIENT_ID", "MAIL_OAUTH_TENANT_ID"]),
        (
            {"MAIL_OAUTH_PROVIDER": "microsoft", "MAIL_OAUTH_TENANT_ID": "t"},
            ["MAIL_OAUTH_CLIENT_SECRET or MAIL_OAUTH_CERTIFICATE_PATH"],
        ),
        (
            {
                "MAIL_OAUTH_PROVIDER": "microsoft",
                "MAIL_OAUTH_TENANT_ID": "t",
                "MAIL_OAUTH_CLIENT_ID": "c",
                "MAIL_OAUTH_CERTIFICATE_PATH": "/etc/consult/mail.pem",
            },
            ["MAIL_OAUTH_CERTIFICATE_THUMBPRINT"],
        ),
        (
            {"MAIL_OAUTH_PROVIDER": "token_url", "MAIL_USERNAME": None},
            ["MAIL_USERNAME", "MAIL_OAUTH_TOKEN_URL", "MAIL_OAUTH_CLIENT_SECRET"],
        ),
    ],
)
def test_production_refuses_oauth2_without_what_the_provider_needs(settings, named):
    with pytest.raises(ConfigurationError) as error:
        production(**settings).check()

    for name in named:
        assert name in str(error.value)


def test_production_starts_with_a_microsoft_secret_or_a_pfx_certificate():
    microsoft = {"MAIL_OAUTH_PROVIDER": "microsoft", "MAIL_OAUTH_TENANT_ID": "t"}
    production(**microsoft, MAIL_OAUTH_CLIENT_ID="c", MAIL_OAUTH_CLIENT_SECRET="x").check()
    production(
        **microsoft, MAIL_OAUTH_CLIENT_ID="c", MAIL_OAUTH_CERTIFICATE_PATH="/etc/consult/mail.pfx"
    ).check()


def test_production_refuses_a_token_in_the_clear():
    token_url = {
        "MAIL_OAUTH_PROVIDER": "token_url",
        "MAIL_OAUTH_CLIENT_ID": "c",
        "MAIL_OAUTH_CLIENT_SECRET": "x",
    }
    with pytest.raises(ConfigurationError, match="MAIL_USE_TLS"):
        production(
            **token_url, MAIL_OAUTH_TOKEN_URL="https://id.example/token", MAIL_USE_TLS=False
        ).check()
    with pytest.raises(ConfigurationError, match="https://"):
        production(**token_url, MAIL_OAUTH_TOKEN_URL="http://id.example/token").check()
    production(**token_url, MAIL_OAUTH_TOKEN_URL="https://id.example/token").check()


def test_an_unknown_mail_auth_is_refused():
    with pytest.raises(ConfigurationError, match="MAIL_AUTH must be"):
        production(MAIL_AUTH="basic").check()
