"""Headers on every response, and the start-up check that every route declares its access."""

import secrets

from flask import abort, g, request

# Endpoints Flask adds itself, serving files from consult/static.
UNDECLARED_ENDPOINTS = {"static"}


def init_app(app):
    @app.before_request
    def make_csp_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.before_request
    def refuse_nul_characters():
        """No person types a NUL character; PostgreSQL refuses to store or search for one.
        A form or query string holding one is a bad request, not a server error."""
        for values in (request.args, request.form if request.method == "POST" else {}):
            for value in values.values():
                if "\x00" in value:
                    abort(400)

    @app.context_processor
    def csp_nonce():
        return {"cspNonce": g.get("csp_nonce", "")}

    @app.after_request
    def set_security_headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers["Content-Security-Policy"] = "; ".join(
            [
                "default-src 'self'",
                f"script-src 'self' 'nonce-{nonce}'",
                "style-src 'self'",
                "img-src 'self' data:",
                "font-src 'self'",
                "object-src 'none'",
                "base-uri 'none'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            ]
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["HSTS_SECONDS"]:
            response.headers["Strict-Transport-Security"] = (
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
            )
        if request.endpoint != "static":
            # Pages hold partners' words and personal details: never kept in a cache.
            response.headers["Cache-Control"] = "no-store"
        return response


def check_every_route_declares_access(app):
    """Refuse to start when a view has no declared access: roles are never forgotten."""
    undeclared = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in UNDECLARED_ENDPOINTS and not hasattr(view, "access")
    )
    if undeclared:
        raise RuntimeError(f"routes without declared access: {', '.join(undeclared)}")
