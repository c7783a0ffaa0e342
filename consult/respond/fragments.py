"""The part of a partner's page that every partner of a consultation reads alike, rendered
once per process and kept.

Beside what is theirs alone (the letter with their name, their organisation's answer,
their form), the link page and the response page show the consultation's papers: the
question, the options with their appraisal table and the titles of the papers. Those are
the same for every partner, and a county-wide consultation has thousands, so they are
rendered once per consultation and kept; a partner's own parts are rendered for each
request, and a whole partner page is never kept.

Why this is safe. A fragment is made from the consultation's papers and nothing else: its
template is given only the papers and the addresses of the papers, and it is rendered
with Jinja's own ``render``, not Flask's ``render_template``, which would add the request,
the session and the signed-in user (a test holds the template to those two names). It is
kept under everything it is made from and everything that can change after issue: the
consultation, when it was issued, its deadline and the papers themselves, so a changed
deadline or paper is a new key, the fragment is built again, and the old one ages out of a
small LRU.
"""

from functools import lru_cache

from flask import current_app, url_for
from markupsafe import Markup

from consult.consultations.papers import get_papers

TEMPLATE = "respond/_papers.html"
# Fragments one process keeps: two for each consultation (before and after the partner
# presses Respond), and a council has tens open in a year.
FRAGMENTS_KEPT = 128


def papers_fragment(consultation, *, with_links):
    """The consultation's papers as partners read them, as HTML. ``with_links``: each
    paper's title opens it (once the partner has pressed Respond)."""
    papers = get_papers(consultation)
    links = None
    if with_links:
        links = tuple(url_for("respond.paper", document_id=paper.id) for paper in papers.documents)
    return kept()(consultation.id, consultation.issued_at, consultation.deadline_at, papers, links)


def kept():
    """This process's fragments (an ``lru_cache``: ``kept().cache_info()`` counts builds
    as misses)."""
    fragments = current_app.extensions.get("respond_fragments")
    if fragments is None:
        fragments = lru_cache(maxsize=FRAGMENTS_KEPT)(_render_papers)
        current_app.extensions["respond_fragments"] = fragments
    return fragments


def _render_papers(consultation_id, issued_at, deadline_at, papers, links):
    # The consultation, its issue and its deadline are in the key to say which fragment
    # this is; only the papers and their addresses are shown.
    html = current_app.jinja_env.get_template(TEMPLATE).render(papers=papers, links=links)
    # Safe: the template is autoescaped (an .html file), as every page of ours is.
    return Markup(html)  # noqa: S704
