from types import SimpleNamespace

import pytest

from consult.consultations.letters import LetterError, letter_problems, render_letter
from consult.dates import london_datetime


def consultation(letter):
    return SimpleNamespace(
        state="draft",
        letter=letter,
        deadline_at=london_datetime(2017, 4, 7, 17),
        signatory="Chief Executive",
        preferred_option=SimpleNamespace(name="Appointment of a peer practice partner"),
        title="Children's services",
        reference="CYPS-2017",
        question="Do you support the preferred option?",
    )


def render(letter):
    return render_letter(
        consultation(letter),
        contact_name="Alex Morgan",
        contact_role="Headteacher",
        organisation_name="Wingfield Academy",
        link_url="https://consult.council.example/r/TOKEN",
    )


def test_merge_fields_are_filled_in_for_the_recipient():
    letter = "Dear {{ contact_name }},\nReply for {{ organisation }} by {{ deadline }}: {{ link }}"

    assert render(letter) == (
        "Dear Alex Morgan,\nReply for Wingfield Academy by 5pm on Friday 7 April 2017: "
        "https://consult.council.example/r/TOKEN"
    )


def test_a_good_letter_has_no_problems():
    assert letter_problems("Dear {{ contact_name }}, {{ preferred_option }}.") == []


def test_an_unknown_field_is_reported_by_name():
    assert letter_problems("Dear {{ contact_nmae }}") == [
        "The letter uses {{ contact_nmae }}, which is not a merge field"
    ]


def test_a_syntax_error_is_reported_with_its_line():
    problems = letter_problems("Dear {{ contact_name }},\n\nSee {{ link }")

    assert len(problems) == 1 and problems[0].startswith("Line 3 of the letter")


@pytest.mark.parametrize(
    "letter",
    [
        "{{ contact_name.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ link.format.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_to_reach_outside_the_letter(letter):
    assert letter_problems(letter) != []
    with pytest.raises(LetterError):
        render(letter)


def test_an_over_long_letter_is_refused():
    assert letter_problems("x" * 50_001) == ["The letter must be 50,000 characters or fewer"]


def test_a_letter_that_cannot_be_filled_in_is_reported_not_raised():
    assert letter_problems("{{ 1 / 0 }}")[0].startswith("The letter could not be filled in")


def test_paragraphs_keep_the_writers_breaks_and_escape_everything():
    from consult.text import paragraphs

    html = paragraphs("Dear Alex,\n\nWe support <b>Option 1</b>.\nThank you.", None)

    assert html == (
        "<p>Dear Alex,</p>\n<p>We support &lt;b&gt;Option 1&lt;/b&gt;.<br>\nThank you.</p>"
    )
