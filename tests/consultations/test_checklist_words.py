"""The drafting checklist says its counts as people say them."""

from consult.consultations.checklist import _criteria_and_scores


def test_one_criterion_and_one_score_are_singular():
    assert _criteria_and_scores(1, 1) == "1 criterion, 1 score"
    assert _criteria_and_scores(8, 64) == "8 criteria, 64 scores"
