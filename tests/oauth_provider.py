"""A provider's OAuth 2.0 endpoints on loopback, for the tests of signing in to mail
servers with XOAUTH2: the token endpoint (Microsoft's, with its tenant discovery, or any
provider's token URL) and the introspection a resource server such as Dovecot asks."""

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

import jwt


class TokenEndpoint:
    """An OAuth 2.0 token endpoint for the client-credentials grant, and Microsoft's
    tenant discovery beside it. Issues tokens the mail server takes (``good_tokens``), or,
    with ``issue_good`` off, tokens it will refuse; ``refusal`` makes it refuse instead.

    ``/introspect`` answers a resource server's question about a token (RFC 7662, as
    Dovecot's oauth2 passdb asks it with ``introspection_mode = post``): active, and
    whose, for a good token; not active for any other."""

    def __init__(self, tenant, client_id, secret, certificate=None):
        self.tenant, self.client_id, self.secret = tenant, client_id, secret
        self.certificate = certificate  # checks msal's signed client assertion
        self.good_tokens = set()
        self.issued = []
        self.token_requests = []  # the form fields of each token request
        self.issue_good = True
        self.expires_in = 3600
        self.refusal = None  # (HTTP status, body) to answer every token request with
        self.introspected = []  # the tokens a resource server asked about
        self.subject = None  # the username a good token is for (set by the test)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.microsoft_token_path = f"/{tenant}/oauth2/v2.0/token"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.running = True

    def stop(self):
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False

    def _handler(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # not to stderr
                pass

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == f"/{endpoint.tenant}/v2.0/.well-known/openid-configuration":
                    authority = f"https://login.microsoftonline.com/{endpoint.tenant}"
                    self.answer(
                        200,
                        {
                            "issuer": f"{authority}/v2.0",
                            "authorization_endpoint": f"{authority}/oauth2/v2.0/authorize",
                            "token_endpoint": f"{authority}/oauth2/v2.0/token",
                        },
                    )
                elif self.path.startswith("/common/discovery/instance"):
                    # msal asks for the authority's aliases after an error
                    host = "login.microsoftonline.com"
                    aliases = {
                        "preferred_network": host,
                        "preferred_cache": host,
                        "aliases": [host],
                    }
                    self.answer(200, {"metadata": [aliases]})
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/introspect":
                    return self.answer(200, endpoint.introspect(fields.get("token", "")))
                if self.path not in ("/token", endpoint.microsoft_token_path):
                    return self.answer(404, {"error": "not_found"})
                endpoint.token_requests.append(fields)
                status, body = endpoint.issue(fields, self.headers.get("Authorization"))
                self.answer(status, body)

        return Handler

    def issue(self, fields, authorization):
        if self.refusal is not None:
            return self.refusal
        if fields.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if not self._client_is_signed_in(fields, authorization):
            return 401, {"error": "invalid_client"}
        good = self.issue_good
        # As long as a real token (an Entra ID access token runs to some 1,500 characters).
        token = f"{'good' if good else 'refused'}-{len(self.issued)}-{secrets.token_urlsafe(1200)}"
        self.issued.append(token)
        if good:
            self.good_tokens.add(token)
        return 200, {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}

    def introspect(self, token):
        self.introspected.append(token)
        if token in self.good_tokens:
            return {"active": True, "username": self.subject}
        return {"active": False}

    def _client_is_signed_in(self, fields, authorization):
        if authorization:  # RFC 6749 2.3.1: HTTP Basic, each part form-encoded
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, secret = decoded.partition(":")
            return (unquote(client_id), unquote(secret)) == (self.client_id, self.secret)
        if "client_assertion" in fields:  # msal with a certificate: a JWT signed by its key
            claims = jwt.decode(
                fields["client_assertion"],
                self.certificate.public_key(),
                algorithms=["RS256", "PS256"],
                options={"verify_aud": False},
            )
            return claims["iss"] == claims["sub"] == self.client_id
        return (fields.get("client_id"), fields.get("client_secret")) == (
            self.client_id,
            self.secret,
        )

    @property
    def token_calls(self):
        return len(self.token_requests)
