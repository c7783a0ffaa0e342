"""Every question is on the page: each group of radios or checkboxes has its question as
its legend, and nothing the user has not chosen is chosen for them.

Every page the app shows on GET is opened by each role that may use it (the route table
in tests/test_routes_and_roles.py), and its HTML is read with the standard library's
parser.
"""

from html.parser import HTMLParser

import pytest
from flask import url_for

from tests.test_routes_and_roles import PARTNER, PUBLIC, ROUTES, make_samples

# Questions whose answer only the partner can give: never preselected on a fresh form.
NEVER_PRESELECTED = frozenset({"publication"})


class Fieldsets(HTMLParser):
    """The fieldsets of a page: their legends' text, and the radios checked inside them."""

    def __init__(self):
        super().__init__()
        self.fieldsets = []  # one dict per fieldset, in the order they open
        self._open = []  # the fieldsets being read, innermost last
        self._in_legend = 0
        self.checked_radios = set()  # names of radio groups with a checked radio

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "fieldset":
            fieldset = {"legends": [], "line": self.getpos()[0]}
            self.fieldsets.append(fieldset)
            self._open.append(fieldset)
        elif tag == "legend" and self._open:
            self._open[-1]["legends"].append("")
            self._in_legend += 1
        elif tag == "input" and attributes.get("type") == "radio" and "checked" in attributes:
            self.checked_radios.add(attributes.get("name"))

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._open:
            self._open.pop()
        elif tag == "legend" and self._in_legend:
            self._in_legend -= 1

    def handle_data(self, data):
        if self._in_legend and self._open and self._open[-1]["legends"]:
            self._open[-1]["legends"][-1] += data


def problems_on(html, url):
    """What is wrong with the page's fieldsets, in words."""
    page = Fieldsets()
    page.feed(html)
    problems = []
    for fieldset in page.fieldsets:
        texts = [" ".join(text.split()) for text in fieldset["legends"]]
        if not texts:
            problems.append(f"{url}: the fieldset at line {fieldset['line']} has no legend")
        elif not any(texts):
            problems.append(f"{url}: the fieldset at line {fieldset['line']} has an empty legend")
    for name in sorted(page.checked_radios & NEVER_PRESELECTED):
        problems.append(f"{url}: a {name!r} radio is checked that no one chose")
    return problems


def pages_for(role):
    """The GET pages ``role`` may open: partners' through their link, staff's by role."""
    for (endpoint, method), (arguments, allowed) in sorted(ROUTES.items()):
        if method != "GET" or endpoint == "static":
            continue
        if role == "partner":
            if allowed == PARTNER:
                yield endpoint, arguments
        elif role == "anonymous":
            if allowed == PUBLIC:
                yield endpoint, arguments
        elif allowed != PARTNER and (allowed == PUBLIC or role in allowed):
            yield endpoint, arguments


@pytest.mark.parametrize("role", ["anonymous", "partner", "officer", "scrutiny", "admin"])
def test_every_fieldset_on_every_page_has_its_question_as_legend(app, client, sign_in, role):
    samples = make_samples(app)
    if role == "partner":
        assert client.post(f"/r/{samples.token}").status_code == 303
    elif role != "anonymous":
        sign_in(role)

    problems, fieldsets_read = [], 0
    for endpoint, arguments in pages_for(role):
        with app.test_request_context():
            url = url_for(endpoint, **arguments(samples))
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # a page that needs rows the samples do not have, or a download
        html = response.get_data(as_text=True)
        fieldsets_read += html.count("<fieldset")
        problems += problems_on(html, url)

    assert problems == []
    if role in ("partner", "officer", "admin"):
        assert fieldsets_read > 0  # the walk reached pages with forms


def test_record_a_reply_preselects_no_answer_to_publication(app, client, sign_in):
    samples = make_samples(app)
    sign_in("officer")

    html = client.get(f"/requests/{samples.request.id}/record-reply").get_data(as_text=True)
    page = Fieldsets()
    page.feed(html)

    assert 'name="publication"' in html
    assert "publication" not in page.checked_radios
    assert "May the reply be published in the annex?" in html


def test_recording_a_reply_without_saying_whether_it_may_be_published_is_refused(
    app, client, sign_in
):
    samples = make_samples(app)
    sign_in("officer")

    response = client.post(
        f"/requests/{samples.request.id}/record-reply",
        data={
            "received_on-day": "3",
            "received_on-month": "4",
            "received_on-year": "2017",
            "channel": "email",
            "stance": "supports",
            "comments": "We support the preferred option.",
        },
    )

    assert response.status_code == 400
    assert "Choose whether the reply may be published" in response.get_data(as_text=True)


def test_the_checker_finds_a_legend_without_text():
    html = (
        '<fieldset><legend class="govuk-fieldset__legend"></legend></fieldset>'
        "<fieldset><legend>How it arrived</legend></fieldset>"
        '<fieldset><input type="radio" name="publication" value="publish" checked></fieldset>'
    )

    assert problems_on(html, "/page") == [
        "/page: the fieldset at line 1 has an empty legend",
        "/page: the fieldset at line 1 has no legend",
        "/page: a 'publication' radio is checked that no one chose",
    ]
