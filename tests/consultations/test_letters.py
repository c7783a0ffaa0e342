from types import SimpleNamespace

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from consult.consultations.letters import (
    MAX_FILLED_IN_LENGTH,
    MAX_LETTER_LENGTH,
    STARTER_LETTER,
    LetterError,
    letter_problems,
    merge_values,
    render_letter,
)
from consult.dates import london_datetime

FIELDS_TO_USE = (
    "Use one of ((contact_name)), ((organisation)), ((contact_role)), ((deadline)), "
    "((link)), ((signatory)), ((preferred_option)), ((consultation_title)), ((reference)) "
    "or ((question))."
)


def consultation(letter, **overrides):
    return SimpleNamespace(
        **{
            "state": "draft",
            "letter": letter,
            "deadline_at": london_datetime(2017, 4, 7, 17),
            "signatory": "Chief Executive",
            "preferred_option": SimpleNamespace(name="Appointment of a peer practice partner"),
            "title": "Children's services",
            "reference": "CYPS-2017",
            "question": "Do you support the preferred option?",
            **overrides,
        }
    )


RECIPIENT = {
    "contact_name": "Alex Morgan",
    "contact_role": "Headteacher",
    "organisation_name": "Wingfield Academy",
    "link_url": "https://consult.council.example/r/TOKEN",
}


def render(letter, **overrides):
    return render_letter(consultation(letter, **overrides), **RECIPIENT)


def test_merge_fields_are_filled_in_for_the_recipient():
    letter = "Dear ((contact_name)),\nReply for ((organisation)) by ((deadline)): ((link))"

    assert render(letter) == (
        "Dear Alex Morgan,\nReply for Wingfield Academy by 5pm on Friday 7 April 2017: "
        "https://consult.council.example/r/TOKEN"
    )


def test_a_letter_saved_with_curly_brackets_is_filled_in_the_same():
    letter = "Dear {{ contact_name }},\nReply for {{ organisation }} by {{ deadline }}: {{ link }}"

    assert render(letter) == render(letter.replace("{{ ", "((").replace(" }}", "))"))


@pytest.mark.parametrize(
    "letter",
    [
        "Dear {{ contact_name }},\n\nI am writing to ask for {{ organisation }}'s view on "
        "{{ preferred_option }}. Please reply by {{ deadline }} using your own link:\n"
        "{{ link }}\n\n{{ signatory }}",
        "Dear {{contact_name}},\r\nFor {{   organisation }}\rby {{ deadline}}\r\n",
        "{{ question }}{{ reference }}{{ consultation_title }} {{\ncontact_role\n}}\n\n",
        "Braces alone } and }} and %} and #} and ( and )) stay as they are <b>&amp;</b>",
    ],
)
def test_a_letter_saved_with_curly_brackets_reads_exactly_as_jinja_rendered_it(letter):
    """Letters were Jinja templates; one that used only merge fields must not change."""
    jinja = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    values = merge_values(consultation(letter), **RECIPIENT)

    assert render(letter) == jinja.from_string(letter).render(values)


def test_merge_fields_may_have_spaces_inside_their_brackets():
    assert render("((contact_name)) (( contact_name )) {{contact_name}}") == (
        "Alex Morgan Alex Morgan Alex Morgan"
    )


def test_a_good_letter_has_no_problems():
    assert letter_problems("Dear ((contact_name)), ((preferred_option)).") == []
    assert letter_problems("Dear {{ contact_name }}, {{ preferred_option }}.") == []


def test_the_starter_letter_uses_double_brackets_and_has_no_problems():
    assert letter_problems(STARTER_LETTER) == []
    assert "{{" not in STARTER_LETTER
    assert "Dear ((contact_name))," in STARTER_LETTER and "((link))" in STARTER_LETTER


@pytest.mark.parametrize("written", ["((contact_nmae))", "{{ contact_nmae }}"])
def test_an_unknown_field_is_reported_by_name_with_the_fields_to_use_instead(written):
    assert letter_problems(f"Dear ((contact_name)),\n\nThank you, {written}") == [
        f"Line 3 of the letter uses {written}, which is not a merge field. {FIELDS_TO_USE}"
    ]


def test_a_syntax_error_is_reported_with_its_line():
    problems = letter_problems("Dear {{ contact_name }},\n\nSee {{ link }")

    assert problems == [
        "Line 3 of the letter has a mistake: {{ link } is not a merge field. A letter can "
        "hold only text and merge fields, which Consult fills in for each recipient. "
        "Write ((link)) instead."
    ]


@pytest.mark.parametrize(
    ("letter", "shown"),
    [
        ("Dear ((contact_name)),\n\n{{ 9 ** 99999 }}", "{{ 9 ** 99999 }}"),
        ("Dear ((contact_name)),\n\n{{ 'ab' * 3000000 }}", "{{ 'ab' * 3000000 }}"),
        ("Dear ((contact_name)),\n\n{{ range(10**9) | list }}", "{{ range(10**9) | list }}"),
    ],
)
def test_a_letter_that_computes_is_refused_with_the_line_it_is_on(letter, shown):
    assert letter_problems(letter) == [
        f"Line 3 of the letter has a mistake: {shown} is not a merge field. A letter can "
        "hold only text and merge fields, which Consult fills in for each recipient. "
        f"{FIELDS_TO_USE}"
    ]
    with pytest.raises(LetterError, match=r"^Line 3 of the letter has a mistake"):
        render(letter)


@pytest.mark.parametrize(
    ("letter", "instead"),
    [
        ("{% if contact_role %}Dear ((contact_name)){% endif %}", "Write ((contact_role))"),
        ("{{ contact_name | upper }}", "Write ((contact_name)) instead."),
        ("{{ contact_name.title() }}", "Write ((contact_name)) instead."),
        ("{# a note #}Dear ((contact_name))", FIELDS_TO_USE),
        ("{{ contact_name, ", "Write ((contact_name)) instead."),
        ("(( ))", FIELDS_TO_USE),
    ],
)
def test_template_syntax_other_than_a_merge_field_is_refused_saying_what_to_write(letter, instead):
    problems = letter_problems(letter)

    assert problems[0].startswith("Line 1 of the letter has a mistake: ")
    assert instead in problems[0]


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


def test_a_letter_that_cannot_be_filled_in_is_reported_not_raised():
    assert letter_problems("{{ 1 / 0 }}")[0].startswith("Line 1 of the letter has a mistake")


def test_a_long_message_shows_only_the_start_of_what_was_written():
    problem = letter_problems("{{ " + "9 * " * 10_000 + "9 }}")[0]

    assert "{{ 9 * 9 * 9 * 9 * 9 * 9 * 9 * 9 * 9 * 9…" in problem and len(problem) < 400


def test_a_letter_with_thousands_of_mistakes_reports_the_first_five():
    problems = letter_problems("{{ x }}\n" * 5_000)

    assert [problem.split(" uses ")[0] for problem in problems] == [
        f"Line {line} of the letter" for line in range(1, 6)
    ]


def test_an_over_long_letter_is_refused():
    assert letter_problems("x" * 50_001) == ["The letter must be 50,000 characters or fewer"]


def test_a_value_is_filled_in_as_it_is_never_read_as_a_field():
    letter = "Dear ((contact_name)), see ((link))"

    assert render_letter(
        consultation(letter), **{**RECIPIENT, "contact_name": "((link)) {{ 9 ** 99999 }}"}
    ) == ("Dear ((link)) {{ 9 ** 99999 }}, see https://consult.council.example/r/TOKEN")


def test_the_letter_is_plain_text_escaped_by_whoever_shows_it():
    filled = render("<b>Dear</b> ((contact_name)) & co", signatory="x")

    assert filled == "<b>Dear</b> Alex Morgan & co" and type(filled) is str


def test_a_missing_value_is_left_blank():
    assert render("Dear ((contact_name)), ((preferred_option)).", preferred_option=None) == (
        "Dear Alex Morgan, ."
    )


def test_a_letter_that_would_be_too_long_once_filled_in_raises_letter_error():
    letter = "((question))" * (MAX_LETTER_LENGTH // len("((question))"))

    with pytest.raises(LetterError, match=r"^Filled in, the letter would be longer than 50,000"):
        render(letter, question="q" * 2000)


def test_a_letter_filled_in_to_exactly_the_most_allowed_is_kept_whole():
    name = "A" * 200
    letter = "((contact_name))" + "x" * (MAX_FILLED_IN_LENGTH - len(name))

    filled = render_letter(consultation(letter), **{**RECIPIENT, "contact_name": name})

    assert len(filled) == MAX_FILLED_IN_LENGTH
    with pytest.raises(LetterError):
        render_letter(consultation(letter + "x"), **{**RECIPIENT, "contact_name": name})


def test_a_saved_letter_too_long_to_read_raises_letter_error():
    with pytest.raises(LetterError, match="50,000 characters or fewer"):
        render("x" * 1_000_000)


def test_paragraphs_keep_the_writers_breaks_and_escape_everything():
    from consult.text import paragraphs

    html = paragraphs("Dear Alex,\n\nWe support <b>Option 1</b>.\nThank you.", None)

    assert html == (
        "<p>Dear Alex,</p>\n<p>We support &lt;b&gt;Option 1&lt;/b&gt;.<br>\nThank you.</p>"
    )


def test_the_demo_letter_uses_double_brackets_and_has_no_problems():
    from consult.demo.data import CONSULTATION

    assert letter_problems(CONSULTATION["letter"]) == []
    assert "{{" not in CONSULTATION["letter"] and "((link))" in CONSULTATION["letter"]
