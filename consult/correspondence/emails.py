"""Composing an email from ``templates/emails/<name>.txt`` and ``.html``.

The mail layer only: each feature words its own emails (a partner's in
``consult/requests/partner_emails.py``, the digest in ``consult/reminders/digest.py``, an
account invitation in ``consult/auth/accounts.py``) and composes them here.
"""

from dataclasses import dataclass

from flask import current_app


class HeaderError(ValueError):
    """Text meant for an email header holds a line break (a header injection attempt)."""


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def checked_header(value):
    """``value`` if it is safe in an email header; a CR, LF or NUL raises HeaderError."""
    if any(character in value for character in "\r\n\0"):
        raise HeaderError("Email subjects and names cannot contain line breaks")
    return value


def compose(subject, name, context):
    """An email from ``templates/emails/<name>.txt`` and ``.html``, its subject checked.

    Rendered straight from the app's Jinja environment (autoescaped by extension, as every
    template is), not through ``render_template``: an email uses none of a page's context
    (the signed-in user, the CSRF token, the request), and an invitation is rendered once
    for every recipient.
    """
    environment = current_app.jinja_env
    return Email(
        subject=checked_header(subject),
        text=environment.get_template(f"emails/{name}.txt").render(context),
        html=environment.get_template(f"emails/{name}.html").render(context),
    )
