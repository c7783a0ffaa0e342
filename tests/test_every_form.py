"""Bad input never reaches a 500, and a refused request saves nothing.

Every form of the app (found on its own pages and in its views: tests/forms_walk.py) is
sent bad input: each field, in turn, a fixed list of bad values by the role that gets
furthest into the form, and a line break in every field by every other role that may post
it; then values Hypothesis draws. No answer may be a 5xx, and a refused request (a 4xx, a form
shown again with its errors, a redirect that flashes why not) may not change the number
of rows, or the highest id, of any table. What a form does accept must not break a page or
an email later; and no address with an id or page number too large for the database may
reach it.
"""

import io
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.files.samples import pdf_bytes
from tests.forms_walk import Scene, current_form, find_forms, view_reads
from tests.test_routes_and_roles import ROUTES

NOT_POSTED = "(not posted)"
MEGABYTE = "x" * 1_000_000
LINE_BREAK = "a\r\nBcc: x@evil.example"
LINE_SEPARATOR = "a\u2028Bcc: x@evil.example"
TEMPLATE = "{{ [].pop() }}{{ {}.popitem() }}"  # a letter that computes, and fails doing so
HUGE = [("10**30", str(10**30)), ("-1", "-1"), ("2**31", str(2**31))]
EMAIL = (
    b"From: A Partner <someone@partner.example>\r\nTo: consult@council.example\r\n"
    b"Subject: Our reply\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n\r\nWe support it.\r\n"
)
TOO_LARGE_IDS = [str(10**20), str(2**63), str(2**31)]
PAGES = [str(10**12), str(10**30), "-1", "0", "x", "%FF%FE"]
QUERY_VALUES = [str(10**30), str(2**63), str(2**31), "-1", "x", "%FF%FE", "a%0D%0Ab", "%00"]
TEXT_IN_PATH = ["%FF%FE", "%00", "a" * 2000, "..%2F..%2Fconfig.py", "a%0D%0Ab"]
# What a form that shows what it holds is given to hold, by the kind of field, for the test
# that then reads every page and posts every form on top of it.
STORED = {
    "text": lambda item: [[LINE_BREAK], [LINE_SEPARATOR], [TEMPLATE]],
    "date": lambda item: [[*item.baseline[:2], "9999"], [*item.baseline[:2], "1"]],
}


@dataclass(frozen=True)
class Raw:
    """A value sent as these percent-encoded bytes, which are not UTF-8."""

    encoded: str = "%FF%FE"


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str


INVALID_UTF8 = Raw()


def values_for(item):
    """The bad values one field is sent, by its kind: (what it is, values or NOT_POSTED)."""
    if item.kind == "csrf":
        return []  # tokens are off here; tests/test_security.py proves they are checked
    if item.kind == "submit":  # the button pressed, or another one
        return [("missing", NOT_POSTED)] if item.baseline else [("pressed", ["y"])]
    if item.kind == "file":
        return [
            ("missing", NOT_POSTED),
            ("a PDF", [Upload(pdf_bytes(), "paper.pdf")]),
            ("a CSV of partners", [Upload(b"Organisation,Sector\nNew School,School\n", "p.csv")]),
            ("an email", [Upload(EMAIL, "reply.eml")]),
            ("text, not a file", ["paper.pdf"]),
            ("junk file", [Upload(b"not a real file", "paper.pdf")]),
            ("empty file", [Upload(b"", "empty.pdf")]),
            ("line break in its name", [Upload(b"%PDF-1.4\n", "a\r\nb.pdf")]),
            ("1 MB of junk", [Upload(MEGABYTE.encode(), "big.csv")]),
        ]
    if item.kind == "date":
        day, month, year = item.baseline[:3]
        return [
            ("missing", NOT_POSTED),
            ("empty", ["", "", ""]),
            ("not a date", ["not", "a", "date"]),
            ("day and month only", [day, month]),
            ("day only", [day]),
            ("four parts", [day, month, year, year]),
            ("no day", ["", month, year]),
            ("no month", [day, "", year]),
            ("no year", [day, month, ""]),
            ("31 February", ["31", "2", year]),
            ("year 9999", [day, month, "9999"]),
            ("year 0", [day, month, "0"]),
            ("year 10**30", [day, month, str(10**30)]),
            ("1 MB day", [MEGABYTE, month, year]),
            ("NUL", [day + "\x00", month, year]),
            ("invalid UTF-8", [INVALID_UTF8, month, year]),
        ]
    first = item.baseline[0] if item.baseline else "1"
    if item.kind == "text" or (item.kind == "hidden" and not first.isdigit()):
        return [
            ("missing", NOT_POSTED),
            ("empty", [""]),
            ("1 MB", [MEGABYTE]),
            ("NUL", ["a\x00b"]),
            ("CR/LF", [LINE_BREAK]),
            ("line separator", [LINE_SEPARATOR]),
            ("template", [TEMPLATE]),
            ("twice", [first, "other"]),
            ("invalid UTF-8", [INVALID_UTF8]),
        ]
    huge = HUGE if item.kind == "number" else HUGE[::2]  # no choice is offered as -1
    return [  # numbers, ids, choices and ticks
        ("missing", NOT_POSTED),
        ("empty", [""]),
        ("wrong type", ["not a number"]),
        ("twice", [first, "other"]),
        *((label, [value]) for label, value in huge),
    ]


@dataclass(frozen=True)
class Case:
    name: str
    values: dict  # field name -> its values (text, Raw or Upload)
    raw: bytes | None = None
    content_type: str = "application/x-www-form-urlencoded"

    def describe(self):
        if self.raw is not None:
            return f"{self.name}: body {self.raw[:80]!r}"
        shown = {name: [_short(v) for v in values] for name, values in self.values.items()}
        return f"{self.name}: {shown}"


def _short(value):
    if isinstance(value, Upload):
        return f"file {value.filename!r} of {len(value.content):,} bytes"
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:10]!r}... ({len(value):,} characters)"
    return value if isinstance(value, str) else f"bytes {value.encoded}"


def every_field_cases(form):
    """The page's own values; each field given each of its bad values, the other fields
    as the page has them; a body with nothing; a body that is not UTF-8."""
    base = form.baseline()
    cases = [Case("the page's own values", base)]
    for item in form.fields:
        for label, value in values_for(item):
            values = {name: v for name, v in base.items() if name != item.name}
            if value != NOT_POSTED:
                values[item.name] = value
            if values != base:  # "missing" for a field the page does not post
                cases.append(Case(f"{item.name}: {label}", values))
    undecodable = Case("a name and value not UTF-8", {}, raw=b"%FF%FE=%C0%AF&" + _encode(base))
    return [*cases, Case("nothing posted", {}), undecodable]


def other_role_cases(form):
    """What each other role that may post the form sends: the page's values, and a line
    break in every field."""
    base = form.baseline()
    texts = [f.name for f in form.fields if f.kind not in ("csrf", "file", "submit")]
    return [
        Case("the page's own values", base),
        Case("every field CR/LF", base | {name: [LINE_BREAK] for name in texts}),
    ]


def _encode(values):
    def part(value):
        return value.encoded if isinstance(value, Raw) else quote(value, safe="")

    pairs = [
        f"{quote(name)}={part(value)}"
        for name, items in values.items()
        for value in items
        if not isinstance(value, Upload)  # a body of bytes as they are has no files
    ]
    return "&".join(pairs).encode("ascii")


def post(client, url, case):
    flat = [(name, value) for name, values in case.values.items() for value in values]
    if case.raw is not None:
        return client.post(url, data=case.raw, content_type=case.content_type)
    if any(isinstance(value, Raw) for _, value in flat):
        return client.post(url, data=_encode(case.values), content_type=case.content_type)
    return client.post(
        url,
        data=MultiDict(
            (name, (io.BytesIO(v.content), v.filename) if isinstance(v, Upload) else v)
            for name, v in flat
        ),
    )


# --- Judging the answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    endpoint: str
    role: str
    request: str  # enough to send it again
    status: int
    error: str  # the exception logged, or what a refused request changed


@dataclass(frozen=True)
class Answer:
    status: int
    refused: bool
    problems: list


def logged_error(caplog):
    """The exception the app logged as "unexpected error", in one line."""
    for record in caplog.records:
        if record.getMessage() == "unexpected error" and record.exc_info:
            kind, error, trace = record.exc_info
            frames = traceback.extract_tb(trace)
            where = ([f for f in frames if "/consult/" in f.filename] or frames)[-1]
            place = f"{Path(where.filename).parent.name}/{Path(where.filename).name}:{where.lineno}"
            return f"{kind.__name__}: {str(error)[:150]} (in {where.name}, {place})"
    return "(nothing logged as an unexpected error)"


def is_refused(client, response):
    """A 4xx, a page shown again with its errors, or a redirect that flashes why not."""
    status = response.status_code
    if status >= 400:
        return True
    if status == 200 and response.mimetype == "text/html":
        return "govuk-error-summary" in response.get_data(as_text=True)
    if 300 <= status < 400:
        with client.session_transaction() as session:
            return any(category == "info" for category, _ in session.get("_flashes", []))
    return False


def send(scene, role, form, case, caplog):
    """Post ``case`` to ``form`` as ``role``; problems: a 5xx, or a refused request that
    changed a table."""
    client = scene.clients[role]
    with client.session_transaction() as session:
        session.pop("_flashes", None)  # what this answer flashes, nothing older
    before = scene.last_fingerprint or scene.fingerprint()
    caplog.clear()
    request = f"POST {form.url} {case.describe()}"
    try:
        response = post(client, form.url, case)
    except Exception as error:  # let out of the app's error handler
        scene.dirty, scene.last_fingerprint = True, None
        summary = f"{type(error).__name__}: {str(error)[:150]} (raised out of the app)"
        return Answer(0, True, [Problem(form.endpoint, role, request, 0, summary)])
    status = response.status_code
    problems = []
    if status >= 500:
        problems.append(Problem(form.endpoint, role, request, status, logged_error(caplog)))
    after = scene.fingerprint()
    refused = is_refused(client, response)
    if not refused:
        scene.dirty = True
    elif changed := [
        f"{name} {before[name]}->{after[name]}" for name in before if before[name] != after[name]
    ]:
        summary = "refused, yet changed " + ", ".join(changed)
        problems.append(Problem(form.endpoint, role, request, status, summary))
    return Answer(status, refused, problems)


def visit(scene, role, endpoint, url, caplog, method="GET"):
    """Open ``url`` as ``role``; a problem if the answer is a 5xx."""
    caplog.clear()
    response = scene.clients[role].open(url, method=method)
    scene.last_fingerprint = None
    if response.status_code < 500:
        return []
    return [Problem(endpoint, role, f"{method} {url}", response.status_code, logged_error(caplog))]


def report(problems):
    """Each distinct failure once (endpoint and error), with how often it was met."""
    distinct = {}
    for problem in problems:
        same_error = re.sub(r"\d+", "N", problem.error)  # whatever the id or the count
        distinct.setdefault((problem.endpoint, same_error), []).append(problem)
    lines = [f"{len(distinct)} distinct failures, in {len(problems)} requests:"]
    for same in distinct.values():
        first, roles = same[0], ", ".join(sorted({p.role for p in same}))
        lines.append(
            f"- {first.endpoint} ({roles}; {len(same)} requests): {first.request}"
            f" -> {first.status} {first.error}"
        )
    return "\n".join(lines)


def walk_scene(app, monkeypatch):
    scene = Scene(app, monkeypatch)
    forms = find_forms(scene)
    scene.take_snapshot()
    return scene, forms


# --- The tests -------------------------------------------------------------------------------


def test_no_form_answers_bad_input_with_a_server_error_or_a_half_save(app, caplog, monkeypatch):
    scene, forms = walk_scene(app, monkeypatch)

    problems = []
    for form in forms:
        for number, role in enumerate(form.roles):
            shown = current_form(scene, form, role)
            for case in every_field_cases(shown) if number == 0 else other_role_cases(shown):
                problems += send(scene, role, shown, case, caplog).problems

    assert not problems, report(problems)


def test_what_a_form_saved_never_breaks_a_page_or_an_email_later(app, caplog, monkeypatch):
    """Each form that shows what it holds is given, field by field, the first of STORED's
    values it takes; then every page is read, and every form posted as its page stands,
    on top of all of it. Text first, then dates, so that one does not hide the other."""
    scene, forms = walk_scene(app, monkeypatch)
    walked = scene.snapshot
    problems = []
    for kind in STORED:
        scene.restore(walked)
        for form in forms:
            problems += _store(scene, form, kind, caplog)
        scene.take_snapshot()
        if kind == "text":
            for (endpoint, method), _ in sorted(ROUTES.items()):
                if method == "GET" and endpoint != "static":
                    for url in scene.urls(endpoint, method):
                        role = scene.roles_for(endpoint)[0]
                        problems += visit(scene, role, endpoint, url, caplog)
        for form in forms:
            shown = current_form(scene, form, form.roles[0])
            case = Case(f"the page's own values, after the stored {kind}s", shown.baseline())
            problems += send(scene, form.roles[0], shown, case, caplog).problems

    assert not problems, report(problems)


def _store(scene, form, kind, caplog):
    """Each field of ``kind`` the form shows filled in is given the first of STORED's
    values the form takes (and keeps it for the next field)."""
    role, problems = form.roles[0], []
    shown = current_form(scene, form, role, going_back=False)
    values = shown.baseline()
    for item in [f for f in shown.fields if f.kind == kind and f.prefilled]:
        for stored in STORED[kind](item):
            trial = values | {item.name: stored}
            answer = send(scene, role, shown, Case(f"{item.name}: stored", trial), caplog)
            problems += answer.problems
            if not answer.refused:
                values = trial
                break
    return problems


def _converters(rule):
    """{argument: converter name} of a rule, read from its pattern."""
    return {
        name: kind or "default"
        for kind, name in re.findall(r"<(?:(\w+)(?:\(.*?\))?:)?(\w+)>", rule.rule)
    }


def test_no_address_with_too_large_an_id_or_page_gets_a_server_error(app, caplog, monkeypatch):
    scene = Scene(app, monkeypatch)
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not scene.arguments(rule.endpoint, method):
                continue
            role = scene.roles_for(rule.endpoint)[0] if rule.endpoint != "static" else "anonymous"
            for name, converter in _converters(rule).items():
                values = TOO_LARGE_IDS if converter == "int" else TEXT_IN_PATH
                for value in values:
                    placeholder = "PLACEHOLDER" if converter != "int" else int(value)
                    url = scene.urls(rule.endpoint, method, **{name: placeholder})[0]
                    url = url.replace("PLACEHOLDER", value)
                    problems += visit(scene, role, rule.endpoint, url, caplog, method)
            if method != "GET" or rule.endpoint == "static":
                continue
            for name in sorted(view_reads(app.view_functions[rule.endpoint]).query_names):
                for url in scene.urls(rule.endpoint, method):
                    for value in PAGES if name == "page" else QUERY_VALUES:
                        address = f"{url}{'&' if '?' in url else '?'}{name}={value}"
                        problems += visit(scene, role, rule.endpoint, address, caplog)

    assert not problems, report(problems)


def drawn(item):
    """Any of the field's fixed bad values, its own, any text, any whole number, any mix
    of the choices it offers."""
    fixed = [value for _, value in values_for(item)] + [item.baseline or NOT_POSTED]
    strategies = [
        st.sampled_from(fixed),
        st.lists(st.text(max_size=40), max_size=3),
        st.lists(st.integers(-(2**70), 2**70).map(str), min_size=1, max_size=2),
    ]
    if item.options:
        strategies.append(st.lists(st.sampled_from(item.options), min_size=1, max_size=4))
    return st.one_of(strategies)


def test_no_form_answers_drawn_bad_input_with_a_server_error(app, caplog, monkeypatch):
    """Hypothesis draws each field's value; a few examples for each feature's forms."""
    scene, forms = walk_scene(app, monkeypatch)
    features = {}
    for form in forms:
        for role in form.roles:
            features.setdefault(form.endpoint.split(".")[0], []).append((form, role))

    def walk(pairs):
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a request
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def examples(data):
            form, role = data.draw(st.sampled_from(pairs), label="form, role")
            shown = current_form(scene, form, role)
            values = {f.name: data.draw(drawn(f), label=f.name) for f in shown.fields}
            case = Case("drawn", {k: v for k, v in values.items() if v != NOT_POSTED})
            problems = send(scene, role, shown, case, caplog).problems
            assert not problems, report(problems)

        examples()

    failures = []
    for feature, pairs in sorted(features.items()):
        try:
            walk(pairs)
        except AssertionError as error:
            lines = [line.strip() for line in str(error).splitlines()]
            found = [line for line in lines if line.startswith("- ")]
            failures.append(f"{feature}: {' '.join(found)}")
    assert not failures, "\n".join(failures)
