"""Error pages in the service's own style, each saying what happened and what to do."""

import math
import time

from flask import render_template
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from consult.extensions import db, limiter

ERRORS = {
    400: (
        "There was a problem with your request",
        "Something in what was sent could not be used. Go back, check it and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "Your account does not allow this. If you think it should, ask an administrator.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you pasted the web address, check you copied the entire address.",
    ),
    405: (
        "This page cannot be used that way",
        "Go back and use the buttons on the page.",
    ),
    413: (
        "The file is too large",
        "Files must be 10MB or smaller. Go back and choose a smaller file.",
    ),
    429: (
        "Too many attempts",
        "You have tried too many times in a short while. Wait a few minutes, then try again.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. What you had already saved has been kept.",
    ),
}


def render_error(status, description=None):
    title, advice = ERRORS.get(status, ERRORS[500])
    return (
        render_template(
            "errors/error.html", status=status, title=title, advice=description or advice
        ),
        status,
    )


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "The form had expired or was sent from somewhere else. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(RateLimitExceeded)
    def too_many_attempts(error):
        """Say how long the wait really is: until the limit this request broke starts
        again."""
        resets = [
            limiter.limiter.get_window_stats(limit.limit, *limit.request_args).reset_time
            for limit in limiter.current_limits
            if limit.breached
        ]
        if not resets:
            return render_error(429)
        minutes = max(1, math.ceil((max(resets) - time.time()) / 60))
        return render_error(
            429,
            "You have tried too many times in a short while. "
            f"Wait {minutes} minute{'' if minutes == 1 else 's'}, then try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in ERRORS:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unexpected error")
        db.session.rollback()
        return render_error(500)
