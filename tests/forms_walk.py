"""Walking every form of the app, for tests/test_every_form.py.

The scene is tests/test_routes_and_roles.py's samples, a draft beside them, and a browser
for each role, for a partner and for each step of signing in. Every form is found on the
app's own pages, read as the role that gets furthest into it, with the fields its view's
WTForms classes (and ``request.form``) read besides. A snapshot of the scene lets a walk go
back when a form it walked ended what the next one needs (a withdrawn request, a
signed-out browser).
"""

import dataclasses
import inspect
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import url_for
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from wtforms import fields as wtf
from wtforms.fields.core import UnboundField

from consult.auth import accounts, passwords, two_factor
from consult.consultations import services as consultations
from consult.dates import LONDON
from consult.extensions import db
from consult.requests.models import Request
from tests import factories
from tests.auth.test_accounts import invitation_token
from tests.conftest import RequestClient
from tests.test_routes_and_roles import PARTNER, ROUTES, make_samples

ROLES = ("officer", "admin", "scrutiny")
AWAITING_CODE = "half signed in, awaiting a code"
AWAITING_SET_UP = "half signed in, awaiting two-factor set-up"
# Public pages that show their form only to a browser part-way through signing in.
SIGN_IN_STEPS = {"auth.second_factor": AWAITING_CODE, "auth.set_up_at_sign_in": AWAITING_SET_UP}
# ROUTES points the invitation page at a token that does not exist: here it has a real one.
URL_OVERRIDES = {"auth.accept_invitation": lambda scene: {"token": scene.invitation_token}}
# Tables a refused request may add to by design, left out of the fingerprint. None, now: a
# wrong password or code records nothing (Flask-Limiter counts in its own storage), and
# a half-finished sign-in is a row only once the password was right.
RECORDS_ATTEMPTS = frozenset()


# --- The forms on a page ---------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, number, choice, choices, boolean, date, file, submit, hidden, csrf
    baseline: list  # what the page posts ([]: nothing)
    options: tuple = ()
    prefilled: bool = False  # the page shows a value it already holds


@dataclass
class Form:
    endpoint: str
    url: str
    fields: list
    roles: list = dataclasses.field(default_factory=list)
    source: str | None = None  # the page that shows it
    names: frozenset = frozenset()  # its fields' names on that page, to find it again

    def baseline(self):
        return {f.name: f.baseline for f in self.fields if f.baseline}


class _PageParser(HTMLParser):
    """Each <form>: its method, action and inputs as [type, name, value, checked]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"method": method, "action": a.get("action"), "inputs": []}
        elif self._form is None or (tag != "option" and not a.get("name")):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            self._form["inputs"].append([kind, a["name"], a.get("value") or "", "checked" in a])
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._form["inputs"].append(["submit", a["name"], a.get("value") or "", True])
        elif tag == "select":
            self._select = ["select", a["name"], [], "multiple" in a, []]
        elif tag == "option" and self._select is not None:
            self._select[2].append(a.get("value", ""))
            if "selected" in a:
                self._select[4].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = ["textarea", a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select and self._form:
            self._form["inputs"].append(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea and self._form:
            kind, name, text = self._textarea
            self._form["inputs"].append([kind, name, text.removeprefix("\n"), True])
            self._textarea = None


def _a_date(name):
    """Day, month and year: two months ahead for a deadline, today for anything else (a
    reply received, say)."""
    day = datetime.now(LONDON).date() + timedelta(days=60 if "deadline" in name else 0)
    return [str(day.day), str(day.month), str(day.year)]


def _field(name, items, pressed):
    kinds = {item[0] for item in items}
    if name == "csrf_token":
        return Field(name, "csrf", [items[0][2]])
    if "select" in kinds:
        _, _, options, multiple, selected = items[0]
        offered = [o for o in options if o not in ("", "0")] or options
        baseline = selected if selected and selected != ["0"] else offered[:1]
        return Field(name, "choices" if multiple else "choice", baseline, tuple(options))
    options = tuple(item[2] for item in items)
    if kinds == {"radio"}:
        return Field(name, "choice", [i[2] for i in items if i[3]] or list(options[:1]), options)
    if kinds == {"checkbox"}:
        checked = [item[2] for item in items if item[3]]
        return Field(name, "choices" if len(items) > 1 else "boolean", checked, options)
    if kinds == {"submit"}:
        return Field(name, "submit", [] if pressed else [items[0][2] or "y"])
    if kinds == {"file"}:
        return Field(name, "file", [])
    if len(items) == 3:  # GOV.UK's date input: day, month and year under one name
        values = [item[2] for item in items]
        shown = all(values)
        return Field(name, "date", values if shown else _a_date(name), prefilled=shown)
    kind = "hidden" if kinds == {"hidden"} else "text"
    return Field(name, kind, [items[0][2]], prefilled=bool(items[0][2]))


def forms_on(html):
    """(method, action or None, fields) of each form on a page."""
    parser = _PageParser()
    parser.feed(html or "")
    found = []
    for form in parser.forms:
        by_name = {}
        for item in form["inputs"]:
            by_name.setdefault(item[1], []).append(item)
        fields = []
        for name, items in by_name.items():
            fields.append(_field(name, items, any(f.kind == "submit" for f in fields)))
        found.append((form["method"], form["action"], fields))
    return found


# --- What a view reads -----------------------------------------------------------------------

_FORM_READ = re.compile(r'form\.get(?:list)?\(\s*"([\w-]+)"|"([\w-]+)"\s+in\s+request\.form')
_ARGS_READ = re.compile(
    r'args\.get\(\s*"(\w+)"|"(\w+)"\s+in\s+request\.args|requested_id\(\s*"(\w+)"'
    r"|(requested_page)\("
)


def _names(code):
    yield from code.co_names
    for constant in code.co_consts:
        if inspect.iscode(constant):
            yield from _names(constant)


@dataclass
class ViewReads:
    forms: set
    form_names: set
    query_names: set


def view_reads(view):
    """What a view and its own module's helpers use, from their code: WTForms classes,
    form fields read by hand, and query arguments (also through ``consult`` helpers)."""
    first = inspect.unwrap(view)
    own, other, forms, todo = [], [], set(), [first]
    while todo:
        function = todo.pop()
        if function in own:
            continue
        own.append(function)
        for name in set(_names(function.__code__)):
            found = function.__globals__.get(name)
            if inspect.isfunction(found) and found.__module__ == first.__module__:
                todo.append(found)
            elif inspect.isfunction(found) and found.__module__.startswith("consult"):
                other.append(found)
            elif isinstance(found, type) and issubclass(found, FlaskForm):
                forms.add(found)
    sources = [inspect.getsource(function) for function in own + other]
    form_names = {a or b for source in sources for a, b in _FORM_READ.findall(source)}
    query_names = set()
    for source in sources:
        for groups in _ARGS_READ.findall(source):
            query_names |= {"page" if g == "requested_page" else g for g in groups if g}
    return ViewReads(forms, form_names, query_names)


_KINDS = (
    (wtf.SubmitField, "submit"),  # before BooleanField, which it is
    (wtf.FileField, "file"),
    (wtf.DateField, "date"),
    (wtf.BooleanField, "boolean"),
    (wtf.SelectMultipleField, "choices"),
    (wtf.SelectFieldBase, "choice"),
    (wtf.IntegerField, "number"),
    (wtf.DecimalField, "number"),
    (wtf.HiddenField, "hidden"),
)


def class_fields(form_class):
    """The fields of a WTForms class, each with a value that passes for an answer."""
    fields = []
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        kind = next((k for base, k in _KINDS if issubclass(unbound.field_class, base)), "text")
        choices = tuple(str(c[0]) for c in unbound.kwargs.get("choices") or [])
        baseline = {"number": ["1"], "boolean": ["y"], "submit": ["y"], "file": []}.get(kind)
        if kind in ("choice", "choices"):
            baseline = list(choices[:1]) or ["1"]
        fields.append(Field(name, kind, _a_date(name) if kind == "date" else baseline, choices))
    return fields


def _plausible(item):
    """A value that passes for an answer, for a field the page leaves empty."""
    if item.kind == "number" and not all(v.isdigit() for v in item.baseline):
        return ["1"]
    if item.kind == "choices" and not item.baseline:
        return list(item.options[:1])  # someone ticked, as a required choice needs
    if item.kind not in ("text", "hidden") or item.baseline not in ([], [""]):
        return item.baseline
    for part, value in (
        ("email", "walk.test@partner.example"),
        ("password", "a long enough password 1"),
        ("confirm", "a long enough password 1"),
        ("code", "123456"),
        ("phone", "01709 123456"),
    ):
        if part in item.name:
            return [value]
    return ["Walk test"]


# --- The scene -------------------------------------------------------------------------------


def _draft_beside(issued):
    """The samples again, but their consultation (and its request, link, criterion and
    paper) a draft: the pages that change a draft show their forms only for one."""
    school = factories.create_organisation("Oakwood School")
    draft = factories.create_ready_consultation(issued.officer, [school], reference="DRAFT-1")
    criterion = consultations.add_criterion(draft, "Value for money")
    consultations.add_criterion(draft, "Pace of change")  # two, so that each can move
    paper = factories.create_stored_pdf("draft.pdf")
    document = consultations.add_document(draft, paper, title="Annex A", by=issued.officer)
    db.session.commit()
    request = db.session.scalar(sa.select(Request).where(Request.consultation_id == draft.id))
    return dataclasses.replace(
        issued,
        consultation=draft,
        request=request,
        link=request.links[0],
        criterion=criterion,
        document=document,
    )


def _signed_in(app, user, expected="/consultations"):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith(expected)
    return client


class Scene:
    def __init__(self, app, monkeypatch):
        self.app = app
        app.test_client_class = RequestClient
        # Rate limits (sign-in, codes, links) the walk would meet long before it is done.
        limits = [k for k, v in app.config.items() if k.endswith("_LIMIT") and " per " in str(v)]
        app.config.update(dict.fromkeys(limits, "100000 per minute"))
        # Argon2 at its cheapest: the walk signs in a dozen times; the cost is not tested.
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        monkeypatch.setattr(passwords, "_hasher", cheap)
        monkeypatch.setattr(passwords, "_UNUSED_HASH", cheap.hash("no account has this"))
        issued = make_samples(app)
        self.samples = [issued, _draft_beside(issued)]
        users = {role: factories.create_user(role) for role in ROLES}
        db.session.commit()
        self.clients = {"anonymous": app.test_client()}
        self.clients.update({role: _signed_in(app, user) for role, user in users.items()})
        self._partner(issued.token)
        self._half_signed_in(users["admin"])
        invited = accounts.invite_user(
            email="invited.person@council.example",
            name="Invited",
            role="officer",
            by=users["admin"],
        )
        db.session.commit()
        self.invitation_token = invitation_token(invited)
        self.cookie = app.config["SESSION_COOKIE_NAME"]
        tables = [t for t in db.metadata.sorted_tables if t.name not in RECORDS_ATTEMPTS]
        self._counts = sa.select(
            *(sa.select(sa.func.count()).select_from(t).scalar_subquery() for t in tables),
            *(sa.select(sa.func.max(t.c.id)).scalar_subquery() for t in tables if "id" in t.c),
        )
        self._names = [t.name for t in tables] + [f"{t.name} max id" for t in tables if "id" in t.c]
        self.last_fingerprint = None
        self.dirty = False

    def _partner(self, token):
        partner = self.clients["partner"] = self.app.test_client()
        assert partner.post(f"/r/{token}").status_code == 303
        answer = {"stance": "supports", "responder_name": "Pat Partner", "responder_role": "Head"}
        answer |= {"publication": "publish", "comments": "We agree.", "revision": "0", "save": "y"}
        # A draft answer, so that the check-and-send page shows its form.
        assert partner.post("/respond/answer", data=answer).status_code == 302

    def _half_signed_in(self, admin):
        enrolled = factories.create_user("officer")
        secret = two_factor.begin_enrolment(enrolled)
        assert two_factor.confirm_enrolment(enrolled, pyotp.TOTP(secret).now())
        two_factor.set_required_roles(["scrutiny"], by=admin)
        required = factories.create_user("scrutiny")
        db.session.commit()
        self.clients[AWAITING_CODE] = _signed_in(self.app, enrolled, "/sign-in/code")
        self.clients[AWAITING_SET_UP] = _signed_in(self.app, required, "/sign-in/two-factor")
        two_factor.set_required_roles([], by=admin)
        db.session.commit()

    # Who, and where

    def roles_for(self, endpoint):
        """Who may use ``endpoint``, the one who gets furthest into it first."""
        access = self.app.view_functions[endpoint].access
        if access != "public":
            return [role for role in ROLES if role in access]
        partner = any(name == endpoint and who == PARTNER for (name, _), (_, who) in ROUTES.items())
        deeper = [SIGN_IN_STEPS[endpoint]] if endpoint in SIGN_IN_STEPS else []
        return deeper + (["partner"] if partner else []) + ["anonymous"]

    def arguments(self, endpoint, method):
        """The URL arguments of ``endpoint`` for each sample (issued, then draft)."""
        if endpoint in URL_OVERRIDES:
            return [URL_OVERRIDES[endpoint](self)]
        if (endpoint, method) not in ROUTES:
            return []  # tests/test_routes_and_roles.py fails for a route it does not list
        make = ROUTES[(endpoint, method)][0]
        found = {tuple(sorted(make(samples).items())): None for samples in self.samples}
        return [dict(pairs) for pairs in found]

    def urls(self, endpoint, method, **replaced):
        with self.app.test_request_context():
            return [url_for(endpoint, **a | replaced) for a in self.arguments(endpoint, method)]

    def endpoint_of(self, url, method):
        try:
            return self.app.url_map.bind("localhost").match(urlsplit(url).path, method=method)[0]
        except (HTTPException, RequestRedirect):
            return None

    def get(self, role, url):
        self.last_fingerprint = None  # a page may write (a partner's first visit, say)
        return self.clients[role].get(url)

    # What a refused request may not change, and going back

    def fingerprint(self):
        """Rows and the highest id of every table: what a half-saved request changes."""
        with db.engine.connect() as connection:
            values = connection.execute(self._counts).one()
        self.last_fingerprint = dict(zip(self._names, values, strict=True))
        return self.last_fingerprint

    def take_snapshot(self):
        """Keep every table, stored file and browser's cookie as they are now, to go back
        to; returns what was kept, for ``restore``."""
        with db.engine.connect() as connection:
            rows = {
                table: [dict(row._mapping) for row in connection.execute(sa.select(table))]
                for table in db.metadata.sorted_tables
            }
        uploads = Path(self.app.config["UPLOAD_DIR"])
        files = {path: path.read_bytes() for path in uploads.rglob("*") if path.is_file()}
        cookies = {role: c.get_cookie(self.cookie) for role, c in self.clients.items()}
        self.snapshot, self.dirty = (rows, files, cookies), False
        return self.snapshot

    def restore(self, snapshot=None):
        """Every table, stored file and browser as they were at the (last) snapshot."""
        self.snapshot = snapshot or self.snapshot
        rows, files, cookies = self.snapshot
        db.session.rollback()
        tables = db.metadata.sorted_tables
        with db.engine.begin() as connection:
            for table in reversed(tables):
                if table.name == "audit_events" and connection.dialect.name == "postgresql":
                    # Its trigger refuses DELETE, the trail being append-only; not TRUNCATE.
                    connection.execute(sa.text("TRUNCATE audit_events"))
                else:
                    connection.execute(table.delete())
            for table in tables:
                if rows[table]:
                    connection.execute(table.insert(), rows[table])
        db.session.expire_all()
        for path, content in files.items():
            if not path.exists():
                path.write_bytes(content)
        for role, client in self.clients.items():
            if cookies[role] is None:
                client.delete_cookie(self.cookie)
            else:
                client.set_cookie(self.cookie, cookies[role].value)
        self.last_fingerprint = None
        self.dirty = False


# --- Finding every form ----------------------------------------------------------------------


def _html(response):
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    return response.get_data(as_text=True)


def find_forms(scene):
    """Every distinct form of every POST endpoint, as a page shows it (else from its
    view's WTForms classes), with the fields its view reads besides."""
    found = {}  # (url, names) -> (Form, [(page, who may see the page)])
    for (endpoint, method), _ in sorted(ROUTES.items()):
        if method == "GET" and endpoint != "static":
            roles = scene.roles_for(endpoint)
            viewer = "admin" if "admin" in roles else roles[0]  # admins see officers' forms
            for url in scene.urls(endpoint, method):
                _read_page(scene, url, viewer, roles, found, search=True)
    forms = []
    for endpoint in sorted(
        {r.endpoint for r in scene.app.url_map.iter_rules() if "POST" in r.methods}
    ):
        urls = scene.urls(endpoint, "POST")
        if not urls:
            continue
        roles = scene.roles_for(endpoint)
        reads = view_reads(scene.app.view_functions[endpoint])
        extra = [f for form_class in reads.forms for f in class_fields(form_class)]
        extra += [Field(name, "text", ["1"]) for name in sorted(reads.form_names)]
        shown = [(f, pages) for f, pages in found.values() if f.endpoint == endpoint]
        distinct = {}
        for form, pages in [(f, p) for f, p in shown if f.url in urls] or shown:
            distinct.setdefault(form.names, (form, pages))
        if not distinct:
            only = {f.name: f for f in reversed(extra)}
            forms.append(Form(endpoint, urls[0], list(only.values()), roles))
        for form, pages in distinct.values():
            seen_by_all = [page for page, viewers in pages if set(roles) <= set(viewers)]
            form.source, form.roles = (seen_by_all or [pages[0][0]])[0], roles
            _add_extra(form, extra)
            forms.append(form)
    return forms


def _read_page(scene, url, role, viewers, found, search=False):
    for method, action, fields in forms_on(_html(scene.get(role, url))):
        target = action or url
        if method == "get" and search:  # a search form: its results may hold a form
            query = {f.name: "Contact" if f.kind == "text" else f.baseline for f in fields}
            query_url = f"{urlsplit(target).path}?{urlencode(query, doseq=True)}"
            _read_page(scene, query_url, role, viewers, found)
        endpoint = scene.endpoint_of(target, "POST") if method == "post" else None
        if endpoint is not None:
            names = frozenset(f.name for f in fields)
            fields = [dataclasses.replace(f, baseline=_plausible(f)) for f in fields]
            form = Form(endpoint, target, fields, names=names)
            found.setdefault((target, names), (form, []))[1].append((url, viewers))


def _add_extra(form, extra):
    """Fields the view reads that the page does not show, sent only in their own cases;
    and a shown field takes the kind of its WTForms field (a hidden revision is a number,
    a single checkbox of people a choice of them)."""
    by_name = {f.name: f for f in form.fields}
    for item in extra:
        shown = by_name.get(item.name)
        if shown is None:
            by_name[item.name] = Field(item.name, item.kind, [], item.options)
            form.fields.append(by_name[item.name])
        elif item.kind in ("number", "date", "choices") and shown.kind in NARROWED:
            shown.kind = item.kind
            shown.baseline = _plausible(shown)


def current_form(scene, form, role, going_back=True):
    """``form`` as its page shows it to ``role`` now (its revision, its choices), after
    going back to the snapshot if anything was saved since; as it was found if the page
    does not show it to this role."""
    if going_back and scene.dirty:
        scene.restore()
    if role == "anonymous":
        scene.clients[role].delete_cookie(scene.cookie)  # a partner's link makes a session
    if form.source is None:
        return form
    for method, action, fields in forms_on(_html(scene.get(role, form.source))):
        names = frozenset(f.name for f in fields)
        if method == "post" and (action or form.source) == form.url and names == form.names:
            now = {f.name: f for f in fields}
            shown = [_as_shown(f, now[f.name]) if f.name in now else f for f in form.fields]
            return dataclasses.replace(form, fields=shown)
    return form


NARROWED = ("text", "hidden", "boolean", "choice")


def _as_shown(found, page):
    shown = dataclasses.replace(found, baseline=page.baseline, prefilled=page.prefilled)
    return dataclasses.replace(shown, baseline=_plausible(shown))
