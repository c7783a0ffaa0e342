"""The partner's pages run a fixed few queries, however big the appraisal: an issued
consultation's papers are read once per process and kept."""

import pytest
from sqlalchemy import select

from consult.consultations import services as consultations
from consult.consultations.papers import get_papers
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink, Request
from consult.requests.tokens import create_token
from tests import factories


def issued_with_appraisal(options, criteria, reference):
    """A consultation issued to one school, with ``options`` options scored on
    ``criteria`` criteria (Annex 1 has eight of each)."""
    officer = factories.create_user("officer", email=f"officer-{reference}@council.example")
    school = factories.create_organisation(f"School for {reference}")
    consultation = factories.create_ready_consultation(officer, [school], reference=reference)
    for number in range(options - 2):
        consultations.add_option(consultation, name=f"Option {number + 3}")
    for number in range(criteria):
        consultations.add_criterion(consultation, f"Criterion {number + 1}")
    db.session.refresh(consultation)
    consultations.set_scores(
        consultation,
        {
            (option.id, criterion.id): (option.position + criterion.position) % 6
            for option in consultation.options
            for criterion in consultation.criteria
        },
    )
    issuing.issue(consultation, by=officer)
    db.session.commit()
    link = db.session.scalar(
        select(RecipientLink)
        .join(Request, Request.id == RecipientLink.request_id)
        .where(Request.consultation_id == consultation.id)
    )
    _row, token = create_token(link)
    db.session.commit()
    return consultation, token


def queries_per_page(client, token, count_queries):
    counts = {}
    with count_queries() as landing:
        assert client.get(f"/r/{token}").status_code == 200
    counts["landing"] = landing.count
    assert client.post(f"/r/{token}").status_code == 303
    for name, path in (("overview", "/respond"), ("answer", "/respond/answer")):
        with count_queries() as page:
            assert client.get(path).status_code == 200
        counts[name] = page.count
    return counts


def test_partner_pages_run_the_same_queries_for_two_options_or_eight_by_eight(
    app, client, count_queries
):
    _small, small_token = issued_with_appraisal(2, 0, "SMALL-1")
    _large, large_token = issued_with_appraisal(8, 8, "LARGE-1")
    # The worker rendered the invitations, so this process has the papers already.
    app.extensions.pop("consult.papers", None)
    client.get(f"/r/{small_token}")
    client.get(f"/r/{large_token}")

    few = queries_per_page(client, small_token, count_queries)
    many = queries_per_page(app.test_client(), large_token, count_queries)

    assert few == many
    assert few["landing"] == 1  # the link, with its request, consultation and people


def test_the_papers_are_read_once_and_show_the_appraisal_ranked(app, client, count_queries):
    consultation, token = issued_with_appraisal(3, 2, "RANKED-1")
    app.extensions.pop("consult.papers", None)

    with count_queries() as first:
        client.get(f"/r/{token}")
    with count_queries() as again:
        page = client.get(f"/r/{token}").get_data(as_text=True)

    assert first.count == again.count + 4  # criteria, options, scores, documents
    papers = get_papers(consultation)
    assert [option.total for option in papers.ranked] == sorted(
        (option.total for option in papers.options), reverse=True
    )
    table = page[page.index("How the options were scored") :]
    positions = [table.index(option.name) for option in papers.ranked]
    assert positions == sorted(positions)


def test_a_drafts_papers_are_read_afresh(app):
    officer = factories.create_user("officer")
    consultation = factories.create_ready_consultation(officer, [])

    before = get_papers(consultation)
    consultations.add_option(consultation, name="Bring it in house")

    assert len(get_papers(consultation).options) == len(before.options) + 1


@pytest.mark.parametrize("state", ["open", "closed"])
def test_an_issued_consultations_papers_are_kept_by_the_process(app, state):
    officer = factories.create_user("officer")
    consultation = factories.create_ready_consultation(officer, [])
    consultation.state = state
    db.session.commit()

    assert get_papers(consultation) is get_papers(consultation)
