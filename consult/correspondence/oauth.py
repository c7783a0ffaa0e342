"""Sign-in tokens for sending with OAuth 2.0 (SMTP ``AUTH XOAUTH2``), got by the
client-credentials flow: Consult signs in as itself, an app the council registered, not
as a person.

Exchange Online stops taking passwords over SMTP (Microsoft's MC786329), so a council's
mailbox there takes a token instead: ``MicrosoftToken`` gets one through msal. Any other
provider's OAuth 2.0 token endpoint is ``TokenUrl``. Each keeps its token until shortly
before it expires, and forgets one the mail server refused, so that the next is new.

A token or a secret is never put into a log line or an exception's message: a failure
is told by the provider's error code and description, with the secret scrubbed out.
"""

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import msal

MICROSOFT_SCOPES = ("https://outlook.office365.com/.default",)
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
# A token from a TokenUrl is not used in its last minute, so it cannot expire mid-batch.
REFRESH_MARGIN_SECONDS = 60
# What an endpoint says of its error is kept to this length on the message's row.
ERROR_LENGTH = 300


class TokenError(Exception):
    """No token could be got: the provider refused, or could not be reached."""


def _scrub(text, *secrets):
    """``text`` with every secret in it replaced, cut to ERROR_LENGTH."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def _oauth_error(payload):
    """RFC 6749's ``error: error_description`` from a token endpoint's answer."""
    if not isinstance(payload, dict):
        return "no error was given"
    error = str(payload.get("error") or "unknown_error")
    description = str(payload.get("error_description") or "").strip()
    # Microsoft's descriptions run on with trace and correlation ids after the first line.
    description = description.splitlines()[0] if description else ""
    return f"{error}: {description}" if description else error


class MicrosoftToken:
    """A token for the council's Microsoft 365 tenant, from msal.

    One msal ConfidentialClientApplication for the life of the process, as msal advises:
    its token cache holds the token, hands it out again while it has more than five
    minutes to run, and asks Microsoft for a new one after that. ``http_client`` is
    msal's documented way to send its HTTP requests through something else (the tests'
    stand-in for Microsoft).
    """

    name = "Microsoft 365"

    def __init__(
        self,
        tenant,
        client_id,
        secret=None,
        certificate_path=None,
        certificate_thumbprint=None,
        scopes=None,
        http_client=None,
        timeout=30,
    ):
        if not (secret or certificate_path):
            raise ValueError("MicrosoftToken needs a client secret or a certificate")
        self.tenant = tenant
        self.client_id = client_id
        self.scopes = list(scopes or MICROSOFT_SCOPES)
        self._secret = secret
        self._certificate_path = certificate_path
        self._certificate_thumbprint = certificate_thumbprint
        self._http = {"http_client": http_client} if http_client else {"timeout": timeout}
        self._cache = msal.TokenCache()
        self._app = None
        self._lock = threading.Lock()

    def _credential(self):
        """msal's client_credential: the secret, or the certificate read from its file."""
        if self._secret:
            return self._secret
        path = Path(self._certificate_path)
        if path.suffix.lower() == ".pfx":
            return {"private_key_pfx_path": str(path)}  # msal reads it and its thumbprint
        return {"private_key": path.read_text(), "thumbprint": self._certificate_thumbprint}

    def _application(self):
        # Made when first needed: msal asks Microsoft about the tenant as it is made.
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self._credential(),
                authority=f"{MICROSOFT_AUTHORITY}/{self.tenant}",
                token_cache=self._cache,
                **self._http,
            )
        return self._app

    def token(self):
        """The access token: msal's cached one while it has time to run, else a new one."""
        with self._lock:
            try:
                result = self._application().acquire_token_for_client(scopes=self.scopes)
            except Exception as error:  # msal, requests or the certificate: any is "no token"
                raise TokenError(
                    f"Could not get a sign-in token from {self.name}: "
                    + _scrub(f"{type(error).__name__}: {error}", self._secret)
                ) from None
        if "access_token" not in result:
            raise TokenError(
                f"{self.name} would not give Consult a sign-in token: "
                + _scrub(_oauth_error(result), self._secret)
            )
        return result["access_token"]

    def forget(self, token):
        """Drop ``token`` from msal's cache (the mail server refused it), so that the next
        ``token()`` asks Microsoft for a new one. (msal's acquire_token_for_client takes
        no force_refresh; removing the cached token is how its cache is told.)"""
        with self._lock:
            kind = msal.TokenCache.CredentialType.ACCESS_TOKEN
            for entry in list(self._cache.search(kind, query={"secret": token})):
                self._cache.remove_at(entry)


class TokenUrl:
    """A token from any OAuth 2.0 token endpoint, by the client-credentials grant (RFC
    6749 section 4.4), the client signing in with HTTP Basic as section 2.3.1 says every
    endpoint must accept. Kept until REFRESH_MARGIN_SECONDS before its ``expires_in``."""

    def __init__(self, url, client_id, secret, scope=None, timeout=30, clock=time.monotonic):
        self.url = url
        self.client_id = client_id
        self.scope = scope
        self.name = urlsplit(url).hostname or url
        self._secret = secret
        self._timeout = timeout
        self._clock = clock
        self._token = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self):
        """The access token: the one held while it has time to run, else a new one."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS:
                self._token, self._expires_at = self._fetch()
            return self._token

    def forget(self, token):
        """The mail server refused ``token``: the next ``token()`` fetches a new one."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self):
        asked_at = self._clock()
        fields = {"grant_type": "client_credentials"}
        if self.scope:
            fields["scope"] = self.scope
        # RFC 6749 section 2.3.1: both parts form-encoded, then Basic.
        pair = f"{quote(self.client_id, safe='')}:{quote(self._secret, safe='')}"
        request = urllib.request.Request(  # noqa: S310 (the configured https token URL)
            self.url,
            data=urlencode(fields).encode(),
            headers={
                "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                said = _oauth_error(json.loads(error.read()))
            except ValueError:
                said = "no error was given"
            raise TokenError(
                f"{self.name} would not give Consult a sign-in token: "
                + _scrub(f"{said} (HTTP {error.code})", self._secret)
            ) from None
        except (OSError, ValueError) as error:  # URLError and time-outs are OSErrors
            raise TokenError(
                f"Could not get a sign-in token from {self.name}: "
                + _scrub(f"{type(error).__name__}: {error}", self._secret)
            ) from None
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token:
            raise TokenError(f"{self.name} answered without an access token")
        try:
            lifetime = int(payload.get("expires_in", 0))
        except (TypeError, ValueError):
            lifetime = 0
        # No lifetime given: used for this one connection only.
        return token, asked_at + max(lifetime, 0)


# One provider per process for the same settings, so a token lasts across batches.
_providers = {}
_providers_lock = threading.Lock()


def token_provider(config):
    """The token provider MAIL_AUTH and the MAIL_OAUTH_* settings name, or None when
    Consult signs in with a password. The same provider for the same settings."""
    if config["MAIL_AUTH"] != "oauth2":
        return None
    names = (
        "MAIL_OAUTH_PROVIDER",
        "MAIL_OAUTH_TENANT_ID",
        "MAIL_OAUTH_CLIENT_ID",
        "MAIL_OAUTH_CLIENT_SECRET",
        "MAIL_OAUTH_CERTIFICATE_PATH",
        "MAIL_OAUTH_CERTIFICATE_THUMBPRINT",
        "MAIL_OAUTH_SCOPES",
        "MAIL_OAUTH_TOKEN_URL",
        "MAIL_TIMEOUT_SECONDS",
    )
    key = tuple(config.get(name) for name in names)
    with _providers_lock:
        if key not in _providers:
            _providers[key] = _make_provider(config)
        return _providers[key]


def _make_provider(config):
    scopes = list(config["MAIL_OAUTH_SCOPES"] or ())
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    provider = config["MAIL_OAUTH_PROVIDER"]
    if provider == "microsoft" and (
        config["MAIL_OAUTH_CLIENT_SECRET"] or config["MAIL_OAUTH_CERTIFICATE_PATH"]
    ):
        return MicrosoftToken(
            config["MAIL_OAUTH_TENANT_ID"],
            config["MAIL_OAUTH_CLIENT_ID"],
            secret=config["MAIL_OAUTH_CLIENT_SECRET"],
            certificate_path=config["MAIL_OAUTH_CERTIFICATE_PATH"],
            certificate_thumbprint=config["MAIL_OAUTH_CERTIFICATE_THUMBPRINT"],
            scopes=scopes or None,
            timeout=timeout,
        )
    if provider == "token_url" and config["MAIL_OAUTH_TOKEN_URL"]:
        return TokenUrl(
            config["MAIL_OAUTH_TOKEN_URL"],
            config["MAIL_OAUTH_CLIENT_ID"],
            config["MAIL_OAUTH_CLIENT_SECRET"] or "",
            scope=" ".join(scopes) or None,
            timeout=timeout,
        )
    raise TokenError(
        "MAIL_AUTH is oauth2 but the MAIL_OAUTH_* settings are incomplete: set"
        " MAIL_OAUTH_PROVIDER to microsoft (with a client secret or certificate) or"
        " token_url (with MAIL_OAUTH_TOKEN_URL)"
    )
