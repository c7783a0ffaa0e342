"""Our template environment's shortcuts give exactly what Jinja gives: the ``indent`` filter,
text by text and page by page, and dotted names on dicts."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, Undefined, UndefinedError
from jinja2.filters import do_indent
from markupsafe import Markup

from consult.templating import JINJA_VERSION_COPIED, TemplateEnvironment, indent
from tests import factories

# Every line end str.splitlines knows, and the characters escaping changes.
CHARACTERS = list("ab <>&'\" \t\n\r\x0b\x0c\x1c\x85\u2028é")
TEXT = st.text(alphabet=st.sampled_from(CHARACTERS), max_size=60)
WIDTH = st.one_of(st.integers(min_value=0, max_value=8), st.sampled_from(["", "\t", "> ", "<b>"]))


@settings(max_examples=2000, deadline=None)
@given(text=TEXT, width=WIDTH, first=st.booleans(), blank=st.booleans(), safe=st.booleans())
def test_the_same_text_as_jinjas_filter(text, width, first, blank, safe):
    value = Markup(text) if safe else text

    ours = indent(value, width, first, blank)
    jinjas = do_indent(value, width, first, blank)

    assert ours == jinjas
    assert type(ours) is type(jinjas)


def test_what_is_not_text_fails_as_jinjas_filter_does():
    with pytest.raises(TypeError):
        indent(42)
    with pytest.raises(UndefinedError):
        indent(Undefined(name="missing"))


def test_the_app_uses_it(app):
    assert app.jinja_env.filters["indent"] is indent


def test_jinja_is_the_minor_version_the_shortcuts_copy():
    """Upgrading Jinja past the pin in pyproject.toml fails here until the shortcuts are
    checked against the new version (this file's tests) and the two numbers moved."""
    import jinja2

    assert jinja2.__version__.rsplit(".", 1)[0] == JINJA_VERSION_COPIED


def test_globals_given_to_one_template_never_reach_another(app):
    """Jinja isolates a template's own globals from every other template's: our
    environment keeps that (it no longer replaces ``make_globals``)."""
    page = "{{ who | default('nobody') }}"
    environment = TemplateEnvironment(app, loader=DictLoader({"a.html": page, "b.html": page}))
    environment.get_template("a.html")  # cached first without globals of its own

    assert environment.get_template("a.html", globals={"who": "Partner A"}).render() == "Partner A"
    assert environment.get_template("b.html").render() == "nobody"
    assert "who" not in environment.globals


@pytest.fixture
def partner(app, client):
    token = factories.create_partner_link()
    assert client.post(f"/r/{token}").status_code == 303
    return client


PER_REQUEST = re.compile(r'(nonce|value)="[^"]*"')


def test_a_partners_form_is_the_same_page_byte_for_byte(app, partner):
    """The answer form, GOV.UK Frontend's macros at their deepest, with an error shown."""

    def page():
        app.jinja_env.cache.clear()
        response = partner.post(
            "/respond/answer",
            data={"comments": "First line\n\n  indented <b>line</b>", "submit": "Continue"},
        )
        assert response.status_code == 400
        return PER_REQUEST.sub("", response.text)

    ours = page()
    app.jinja_env.filters["indent"] = do_indent
    try:
        jinjas = page()
    finally:
        app.jinja_env.filters["indent"] = indent
        app.jinja_env.cache.clear()

    assert "govuk-error-summary" in ours
    assert ours == jinjas


class Thing:
    colour = "blue"


@pytest.mark.parametrize(
    ("obj", "name"),
    [
        ({"text": "Yes"}, "text"),
        ({"items": [1, 2]}, "items"),  # a dict's own attribute wins, as in Jinja
        ({"get": 1}, "get"),
        ({}, "missing"),
        ({"text": "Yes"}, "__class__"),
        (Thing(), "colour"),
        (Thing(), "missing"),
        ([1, 2], "missing"),
    ],
)
def test_dotted_names_find_what_jinja_finds(app, obj, name):
    from jinja2 import Environment

    ours = app.jinja_env.getattr(obj, name)
    jinjas = Environment.getattr(app.jinja_env, obj, name)

    assert type(ours) is type(jinjas)
    if isinstance(ours, Undefined):
        assert (ours._undefined_obj, ours._undefined_name) == (obj, name)
    else:
        assert ours == jinjas
