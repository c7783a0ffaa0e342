"""The app as the partner-page benchmark serves it: the production settings, read from
the environment as in production, except that the session cookie may travel over plain
HTTP on this machine's loopback (in production a TLS proxy stands in front).

It has one page more than the real app: the least any page of ours can be, a GOV.UK
Frontend page (our base template, with its header, phase banner and footer) that runs
one query, served through the same app, its sessions, CSRF and security headers. It
shows how much of the gap to the plain Flask baseline is the design system's page
itself, which every partner page pays before doing anything of its own.
"""

import sqlalchemy as sa
from flask import render_template

from config import ProductionConfig
from consult import create_app
from consult.auth.access import public
from consult.extensions import db


class LoopbackConfig(ProductionConfig):
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "consult_session"  # the __Host- prefix needs HTTPS


app = create_app(LoopbackConfig)

GOVUK_PAGE = app.jinja_env.from_string(
    """{% extends "base.html" %}
{% block main_content %}
<h1 class="govuk-heading-l">{{ title }}</h1>
<p class="govuk-body">{{ number }} organisations.</p>
{% endblock %}"""
)


@app.get("/bench/govuk-page")
@public
def govuk_page():
    number = db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("organisations")))
    return render_template(GOVUK_PAGE, title="Organisations", number=number)
