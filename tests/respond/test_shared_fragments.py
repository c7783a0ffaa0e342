"""The papers every partner of a consultation reads alike are rendered once and kept
(consult/respond/fragments.py): nothing of one partner's ever reaches another's pages, and
a changed deadline or paper builds the fragment again."""

import io
import re
from datetime import timedelta

import pytest
from jinja2 import meta
from sqlalchemy import select

from consult.consultations import services as consultations
from consult.consultations.models import Document
from consult.dates import format_datetime
from consult.directory import services as directory
from consult.extensions import db
from consult.files.services import PAPER_KINDS, store_upload
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink
from consult.requests.tokens import create_token
from consult.respond import fragments
from tests import factories
from tests.files.samples import pdf_bytes

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NONCE = re.compile(r'nonce="[^"]*"')

# Two partners of one consultation, each with words no other page may show.
PARTNERS = {
    "school": {
        "organisation": "Wingfield Academy",
        "contact": "Alex Morgan",
        "email": "head@wingfield.example",
        "comments": "The virtual school must keep its own head.",
        "responder_name": "Sam Okafor",
        "responder_role": "Business manager",
        "letter": "Wingfield governors letter.pdf",
    },
    "police": {
        "organisation": "South Yorkshire Police",
        "contact": "Priya Shah",
        "email": "superintendent@police.example",
        "comments": "Joint screening with the MASH should continue.",
        "responder_name": "Dana Whitlock",
        "responder_role": "Detective superintendent",
        "letter": "Public protection unit reply.pdf",
    },
}


@pytest.fixture
def issued(app):
    """A consultation with an appraisal and two papers, issued to the two partners; the
    partners' raw tokens by name."""
    officer = factories.create_user("officer")
    sector = factories.create_sector()
    organisations = {}
    for key, partner in PARTNERS.items():
        organisation = directory.create_organisation(name=partner["organisation"], sector=sector)
        directory.add_contact(
            organisation, name=partner["contact"], role="Lead", email=partner["email"]
        )
        organisations[key] = organisation
    consultation = factories.create_ready_consultation(officer, list(organisations.values()))
    criterion = consultations.add_criterion(consultation, "Child focused")
    for option, value in zip(consultation.options, (4, 2), strict=True):
        consultations.set_score(option, criterion, value)
    for title in ("Scrutiny review report", "Annex 1: options appraisal"):
        stored = store_upload(_upload(f"{title}.pdf"), PAPER_KINDS)
        consultations.add_document(consultation, stored, title=title, by=officer)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    tokens = {}
    for key, organisation in organisations.items():
        link = db.session.scalar(
            select(RecipientLink).where(RecipientLink.contact_id == organisation.contacts[0].id)
        )
        tokens[key] = create_token(link)[1]
    db.session.commit()
    return consultation, officer, tokens


def _upload(filename):
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(pdf_bytes()), filename=filename)


class PartnerVisit:
    """One partner's browser: every page they see is kept in ``pages``. Each request runs
    in an app context of its own (the ``client`` fixture's RequestClient), as in a server,
    so the two browsers share nothing but the app."""

    def __init__(self, app, token):
        self.client = app.test_client()
        self.token = token
        self.pages = []

    def get(self, path, status=200):
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code)
        return self._kept(response)

    def post(self, path, data, status=302):
        response = self.client.post(path, data=data)
        assert response.status_code == status, (path, response.status_code)
        self.redirected_to = response.headers.get("Location")
        return self._kept(response)

    def _kept(self, response):
        page = response.get_data(as_text=True)
        self.pages.append(page)
        return page

    def csrf(self, page):
        return CSRF.search(page).group(1)


def _steps(visit, partner):
    """Every partner page, with an answer saved, a letter attached, a mistake made and a
    response sent: a generator, so that two partners' visits can take turns."""
    landing = visit.get(f"/r/{visit.token}")
    yield
    visit.post(f"/r/{visit.token}", {"csrf_token": visit.csrf(landing)}, status=303)
    visit.get("/respond")
    yield
    answer = visit.get("/respond/answer")
    yield
    words = {
        "comments": partner["comments"],
        "responder_name": partner["responder_name"],
        "responder_role": partner["responder_role"],
        "stance": "supports_with_reservations",
        "answers_for_organisation": "y",
    }
    visit.post(
        "/respond/answer",
        {
            **words,
            "csrf_token": visit.csrf(answer),
            "revision": "0",
            "save": "Save and come back later",
            "letter": (io.BytesIO(pdf_bytes()), partner["letter"]),
        },
    )
    assert "An answer was started" in visit.get("/respond")
    yield
    answer = visit.get("/respond/answer")
    # Continue without saying whether it may be published: the page comes back with the
    # mistake, the partner's words and their letter.
    mistake = visit.post(
        "/respond/answer",
        {**words, "csrf_token": visit.csrf(answer), "revision": "1", "submit": "Continue"},
        status=400,
    )
    assert "Choose whether we may publish the response" in mistake
    yield
    visit.post(
        "/respond/answer",
        {
            **words,
            "publication": "publish",
            "csrf_token": visit.csrf(mistake),
            "revision": "1",
            "submit": "Continue",
        },
    )
    check = visit.get("/respond/check")
    yield
    visit.post(
        "/respond/check",
        {"csrf_token": visit.csrf(check), "revision": "2", "version_seen": "0"},
        status=303,
    )
    assert "Response sent" in visit.get(visit.redirected_to)
    yield
    visit.get("/respond/decline")
    overview = visit.get("/respond")
    assert partner["comments"] in overview
    visit.get(f"/r/{visit.token}")


def _theirs(partner, visit):
    """What no other partner's page may hold: their words, names, letter, link and the
    CSRF tokens of their session."""
    csrf_tokens = {match for page in visit.pages for match in CSRF.findall(page)}
    return {*partner.values(), visit.token, *csrf_tokens}


def test_two_partners_never_see_a_byte_of_each_others_in_any_page(app, client, issued):
    app.config["WTF_CSRF_ENABLED"] = True
    _consultation, _officer, tokens = issued
    visits = {key: PartnerVisit(app, tokens[key]) for key in PARTNERS}
    turns = {key: _steps(visits[key], PARTNERS[key]) for key in PARTNERS}

    # Taking turns, so that each fragment the one builds is the one the other is shown.
    finished = set()
    while len(finished) < len(turns):
        for key, steps in turns.items():
            if key not in finished and next(steps, "done") == "done":
                finished.add(key)

    for key, other in (("school", "police"), ("police", "school")):
        theirs = _theirs(PARTNERS[other], visits[other])
        for page in visits[key].pages:
            leaked = [text for text in theirs if text in page]
            assert not leaked, f"{key} was shown {leaked}"
        mine = "\n".join(visits[key].pages)
        assert all(text in mine for text in PARTNERS[key].values())
    # The papers were rendered twice in all (before and after Respond), not per partner.
    assert fragments.kept().cache_info().misses == 2
    assert all("Annex 1: options appraisal" in visits[key].pages[0] for key in PARTNERS)


def test_a_changed_deadline_builds_the_papers_again(app, client, issued):
    consultation, officer, tokens = issued
    old = consultation.deadline_at
    client.post(f"/r/{tokens['school']}")
    client.get("/respond")
    built = fragments.kept().cache_info().misses

    new = (old + timedelta(days=7)).replace(microsecond=0)
    issuing.change_deadline(consultation, new, by=officer)
    db.session.commit()
    pages = [
        client.get(path).get_data(as_text=True)
        for path in (f"/r/{tokens['school']}", "/respond", "/respond/answer")
    ]

    assert fragments.kept().cache_info().misses == built + 2
    for page in pages:
        assert format_datetime(new) in page
        assert format_datetime(old) not in page


def test_changed_papers_build_the_papers_again(app, client, issued):
    _consultation, _officer, tokens = issued
    client.post(f"/r/{tokens['school']}")
    assert "Annex 1: options appraisal" in client.get("/respond").get_data(as_text=True)
    built = fragments.kept().cache_info().misses

    # An issued consultation's papers cannot change through Consult, and each process
    # keeps them once read (consult/consultations/papers.py): a process reading them
    # afresh is what would see a change, so that is what this does.
    document = db.session.scalar(select(Document).where(Document.title.startswith("Annex 1")))
    document.title = "Annex 1: options appraisal, corrected"
    db.session.commit()
    app.extensions.pop("consult.papers")
    page = client.get("/respond").get_data(as_text=True)

    assert "Annex 1: options appraisal, corrected" in page
    assert fragments.kept().cache_info().misses == built + 1


def test_a_page_with_the_kept_papers_is_the_page_rendered_afresh(app, client, issued):
    _consultation, _officer, tokens = issued
    client.post(f"/r/{tokens['police']}")
    client.get("/respond")
    kept = client.get("/respond").get_data(as_text=True)
    assert fragments.kept().cache_info().hits == 1

    fragments.kept().cache_clear()
    afresh = client.get("/respond").get_data(as_text=True)

    # Each response has a nonce of its own for its script; the rest is the same.
    assert NONCE.sub("", kept) == NONCE.sub("", afresh)


def test_the_papers_template_uses_nothing_but_the_papers_and_their_addresses(app):
    source, _filename, _uptodate = app.jinja_env.loader.get_source(
        app.jinja_env, fragments.TEMPLATE
    )

    used = meta.find_undeclared_variables(app.jinja_env.parse(source))

    assert used <= {"papers", "links"}
