"""The app's Jinja environment: where to find templates, the filters, and two shortcuts.

The shortcuts copy Jinja 3.1's own behaviour for what GOV.UK Frontend's macros do hundreds
of times a page (the figures are in ``bench/partner.py``'s output). They are held to
Jinja's output by ``tests/test_templating.py``, and ``pyproject.toml`` pins Jinja to 3.1
so that an upgrade is a deliberate act: that test fails on another minor version until
the shortcuts are checked against it and the pin moved.
"""

from flask.templating import Environment as FlaskEnvironment
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from jinja2.filters import do_indent
from markupsafe import Markup

from consult import dates, text
from consult.db import utcnow

# The Jinja minor version whose ``indent`` filter and attribute lookup these copy.
JINJA_VERSION_COPIED = "3.1"


class TemplateEnvironment(FlaskEnvironment):
    """Flask's Jinja environment, with Jinja's ``indent`` filter and dict lookups done in
    plain string and dict operations (the same output)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["indent"] = indent

    def getattr(self, obj, attribute):
        """``params.name`` on a plain dict: the key, without first failing to find an
        attribute of that name. A dict's own attributes (``items``, ``get``...) still win,
        as in Jinja."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


def indent(s, width=4, first=False, blank=False):
    """Jinja's ``indent`` filter, the same output: joins the lines as plain text and marks
    the whole safe once, where Jinja escapes each already-safe line again."""
    if not isinstance(s, str):
        return do_indent(s, width, first, blank)
    indention = width if isinstance(width, str) else " " * width
    lines = (str(s) + "\n").splitlines()
    if blank:
        joined = ("\n" + indention).join(lines)
    else:
        joined = "\n".join([lines[0], *(indention + line if line else line for line in lines[1:])])
    if first:
        joined = indention + joined
    # Safe when the input was: only its own lines and the indentation are joined here.
    return Markup(joined) if isinstance(s, Markup) else joined  # noqa: S704


def init_app(app, templates_folder):
    """Templates from ``templates_folder`` and the GOV.UK Frontend packages; our filters;
    the service's name in every page."""
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(templates_folder)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.jinja_env.filters["datetime"] = dates.format_datetime
    app.jinja_env.filters["short_datetime"] = dates.format_short_datetime
    app.jinja_env.filters["date"] = dates.format_date
    app.jinja_env.filters["paragraphs"] = text.paragraphs
    app.jinja_env.filters["time_left"] = lambda deadline: dates.time_left(deadline, utcnow())

    @app.context_processor
    def service_details():
        return {
            "serviceName": app.config["SERVICE_NAME"],
            "council_name": app.config["COUNCIL_NAME"],
            "mailbox_enabled": app.config["MAIL_BACKEND"] == "mailbox",
        }
