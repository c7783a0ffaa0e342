"""The words of every email, from templates/emails/<name>.txt and .html.

Each function returns an ``Email`` (subject, plain text, HTML) for one recipient. Links
are built from APP_BASE_URL, never from the request's Host header.
"""

from dataclasses import dataclass

from flask import current_app

from consult.consultations.letters import render_letter
from consult.consultations.papers import get_papers
from consult.dates import format_datetime


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


def partner_link_url(token):
    """The address a recipient's secret link opens."""
    return f"{current_app.config['APP_BASE_URL'].rstrip('/')}/r/{token}"


def _link_context(link, link_url):
    request = link.request
    consultation = request.consultation
    papers = get_papers(consultation)
    config = current_app.config
    return {
        "consultation": consultation,
        "organisation": request.organisation,
        "contact": link.contact,
        "link_url": link_url,
        "deadline": format_datetime(consultation.deadline_at),
        "preferred_option": papers.preferred,
        "documents": papers.documents,
        "reply_to": config["MAIL_REPLY_TO"] or config["MAIL_DEFAULT_SENDER"],
    }


def invitation(link, *, link_url, resent=False):
    """The invitation for one recipient: the personalised letter and their own link.

    ``resent`` adds a line saying this link replaces the one sent before.
    """
    request = link.request
    consultation = request.consultation
    contact = link.contact
    letter = render_letter(
        consultation,
        contact_name=contact.name,
        contact_role=contact.role,
        organisation_name=request.organisation.name,
        link_url=link_url,
    )
    context = {**_link_context(link, link_url), "letter": letter, "resent": resent}
    subject = f"{consultation.title}: your organisation's view is requested"
    if resent:
        subject = f"New link: {subject}"
    return compose(subject, "invitation", context)


def deadline_changed(link, *, link_url, old_deadline):
    """Tells a partner still to reply that the deadline has moved."""
    context = {
        **_link_context(link, link_url),
        "old_deadline": format_datetime(old_deadline) if old_deadline else "",
    }
    consultation = link.request.consultation
    return compose(f"{consultation.title}: the deadline has changed", "deadline_changed", context)


def response_reference(response):
    """The reference a partner quotes: consultation, request and version."""
    request = response.request
    return f"{request.consultation.reference}-{request.id}-{response.version}"


def acknowledgement(link, response, *, late=False):
    """Thanks the partner who sent a response, with a copy of what they said."""
    consultation = link.request.consultation
    context = {
        **_link_context(link, link_url=None),
        "response": response,
        "reference": response_reference(response),
        "late": late,
    }
    return compose(f"{consultation.title}: we have your response", "acknowledgement", context)


def reminder(link, *, link_url, now):
    """A reminder saying how long is actually left, or how late it is."""
    from consult.dates import time_left

    consultation = link.request.consultation
    late = now > consultation.deadline_at
    if late:
        days_late = (now - consultation.deadline_at).days
        when = (
            f"The deadline was {format_datetime(consultation.deadline_at)}"
            + (f", {days_late} day{'s' if days_late != 1 else ''} ago" if days_late else "")
            + ". Late replies are still accepted, and will be marked as late."
        )
        subject = f"Reminder: {consultation.title}: the deadline has passed"
    else:
        left = time_left(consultation.deadline_at, now)
        deadline = format_datetime(consultation.deadline_at)
        when = f"{left[0].upper()}{left[1:]}: the deadline is {deadline}."
        subject = f"Reminder: {consultation.title}: {left}"
    context = {**_link_context(link, link_url), "when": when, "late": late}
    return compose(subject, "reminder", context)


def digest(consultation, user, responded, failed, outstanding, now):
    """The officer's daily news of one consultation."""
    from consult.dates import format_date

    context = {
        "consultation": consultation,
        "user": user,
        "responded": responded,
        "failed": failed,
        "outstanding": outstanding,
        "outstanding_total": sum(count for _sector, count in outstanding),
        "deadline": format_datetime(consultation.deadline_at),
        "base_url": current_app.config["APP_BASE_URL"].rstrip("/"),
    }
    return compose(f"{consultation.title}: news for {format_date(now)}", "digest", context)
