"""Ties in the appraisal share a rank, written "=2" as a council's report writes it."""

import pytest
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations import services as consultations
from consult.consultations.papers import fetch_papers
from consult.consultations.ranking import shared_ranks
from consult.extensions import db
from consult.requests.models import RecipientLink
from tests import factories


@pytest.mark.parametrize(
    ("totals", "ranks"),
    [
        ([9, 7, 7, 3], ["1", "=2", "=2", "4"]),
        ([5, 5], ["=1", "=1"]),
        ([8, 6, 4], ["1", "2", "3"]),
        ([6, 4, 4, 4, 0, 0], ["1", "=2", "=2", "=2", "=5", "=5"]),
        ([], []),
    ],
)
def test_options_with_equal_totals_share_a_rank(totals, ranks):
    assert shared_ranks(totals) == ranks


@pytest.fixture
def tied(sign_in):
    """Three options scored 4, 2 and 2 on one criterion."""
    officer = sign_in("officer")
    school = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [school])
    consultations.add_option(consultation, name="Wholly owned company")
    criterion = consultations.add_criterion(consultation, "Pace of improvement")
    values = [4, 2, 2]
    consultations.set_scores(
        consultation,
        {(o.id, criterion.id): v for o, v in zip(consultation.options, values, strict=True)},
    )
    db.session.commit()
    return consultation


def rank_cells(page):
    ranking = page[page.index("Options ranked") :]
    rows = ranking.split('<tr class="govuk-table__row">')[2:]
    return [row.split('<td class="govuk-table__cell">')[1].split("<")[0] for row in rows]


def test_the_officers_appraisal_shows_shared_ranks(client, tied):
    page = client.get(f"/consultations/{tied.id}/appraisal").get_data(as_text=True)

    assert rank_cells(page) == ["1", "=2", "=2"]


def test_the_partners_papers_show_shared_ranks(client, tied, officer_issues):
    papers = fetch_papers(tied)
    assert [o.name for o in papers.ranked] == [
        "Appointment of a peer practice partner",
        "Commission by contract",
        "Wholly owned company",
    ]
    assert papers.ranks == ("1", "=2", "=2")

    page = officer_issues(tied)

    table = page[page.index("How the options were scored") :]
    table = table[: table.index("</table>")]
    cells = [
        row.split('<td class="govuk-table__cell">')[1].split("<")[0]
        for row in table.split('<tr class="govuk-table__row">')[2:]
    ]
    assert cells == ["1", "=2", "=2"]


@pytest.fixture
def officer_issues(client):
    """Issue the consultation and open its partner's link: the partner's page."""
    from consult.issuing import services as issuing
    from consult.requests.tokens import create_token

    def issue(consultation):
        officer = db.session.get(User, consultation.created_by_id)
        issuing.issue(consultation, by=officer)
        db.session.commit()
        _row, token = create_token(db.session.scalar(select(RecipientLink)))
        db.session.commit()
        client.post("/sign-out")
        return client.get(f"/r/{token}").get_data(as_text=True)

    return issue
