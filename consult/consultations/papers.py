"""What a partner reads of a consultation besides the letter: the question, the options
with their appraisal scores, and the titles of the papers.

Only a draft's papers can change, so an issued consultation's are read from the database
once per process and kept (``get_papers``): every partner's page shows them, and a
county-wide consultation has thousands of partners.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from consult.consultations.models import Consultation, Criterion, Document, Option, Score
from consult.consultations.ranking import shared_ranks
from consult.extensions import db

# Issued consultations whose papers one process keeps (a council has tens a year open).
PAPERS_KEPT = 64


@dataclass(frozen=True)
class PaperOption:
    id: int
    name: str
    description: str
    is_preferred: bool
    # One per criterion, in the criteria's order; None where no score was entered.
    scores: tuple
    total: int


class PaperDocument(NamedTuple):
    id: int
    title: str


@dataclass(frozen=True)
class Papers:
    question: str
    criteria: tuple  # the criteria's names, in order
    options: tuple  # PaperOption, in the order the officer set
    documents: tuple  # PaperDocument, in order

    @property
    def ranked(self):
        """The options by appraisal total, highest first (ties in the officer's order)."""
        return tuple(sorted(self.options, key=lambda option: -option.total))

    @property
    def ranks(self):
        """The rank of each of ``ranked``, "=2" where totals are equal."""
        return tuple(shared_ranks(option.total for option in self.ranked))

    @property
    def preferred(self):
        return next((option for option in self.options if option.is_preferred), None)

    @property
    def alternatives(self):
        """The options a partner may prefer instead of the preferred one."""
        return tuple(option for option in self.options if not option.is_preferred)


def fetch_papers(consultation):
    """The consultation's papers, read in four queries whatever their number."""
    criteria = db.session.execute(
        select(Criterion.id, Criterion.name)
        .where(Criterion.consultation_id == consultation.id)
        .order_by(Criterion.position, Criterion.id)
    ).all()
    options = db.session.execute(
        select(Option.id, Option.name, Option.description, Option.is_preferred)
        .where(Option.consultation_id == consultation.id)
        .order_by(Option.position, Option.id)
    ).all()
    scores = {
        (option_id, criterion_id): value
        for option_id, criterion_id, value in db.session.execute(
            select(Score.option_id, Score.criterion_id, Score.value)
            .join(Option, Option.id == Score.option_id)
            .where(Option.consultation_id == consultation.id)
        )
    }
    documents = db.session.execute(
        select(Document.id, Document.title)
        .where(Document.consultation_id == consultation.id)
        .order_by(Document.position, Document.id)
    ).all()
    paper_options = []
    for option in options:
        row = tuple(scores.get((option.id, criterion.id)) for criterion in criteria)
        paper_options.append(
            PaperOption(
                id=option.id,
                name=option.name,
                description=option.description,
                is_preferred=option.is_preferred,
                scores=row,
                total=sum(value for value in row if value is not None),
            )
        )
    return Papers(
        question=consultation.question,
        criteria=tuple(criterion.name for criterion in criteria),
        options=tuple(paper_options),
        documents=tuple(PaperDocument(document.id, document.title) for document in documents),
    )


def get_papers(consultation):
    """``fetch_papers``, kept by this process once the consultation is issued."""
    if consultation.state == "draft":
        return fetch_papers(consultation)
    kept = current_app.extensions.get("consult.papers")
    if kept is None:
        kept = current_app.extensions["consult.papers"] = lru_cache(maxsize=PAPERS_KEPT)(
            _fetch_issued_papers
        )
    return kept(consultation.id)


def _fetch_issued_papers(consultation_id):
    return fetch_papers(db.session.get(Consultation, consultation_id))
