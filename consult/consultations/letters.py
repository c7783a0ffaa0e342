"""The consultation letter: a template with merge fields, rendered in a sandbox.

Officers write the letter with fields such as ``{{ contact_name }}``. It is checked when it
is saved (syntax, unknown fields, a trial render) so that a mistake is never discovered
when the letters go out.
"""

from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from consult.consultations.papers import get_papers
from consult.dates import format_datetime

MAX_LETTER_LENGTH = 50_000

# Field name -> what it holds, shown to officers beside the letter.
MERGE_FIELDS = {
    "contact_name": "the recipient's name",
    "organisation": "the recipient's organisation",
    "contact_role": "the recipient's role",
    "deadline": "the deadline, for example 5pm on Friday 7 April 2017",
    "link": "the recipient's own link to reply",
    "signatory": "who signs the letter",
    "preferred_option": "the name of the preferred option",
    "consultation_title": "the consultation's title",
    "reference": "the consultation's reference",
    "question": "the question partners are asked",
}

# What the letter page starts from when a draft has no letter yet.
STARTER_LETTER = (
    "Dear {{ contact_name }},\n\n"
    "I am writing to ask for {{ organisation }}'s view on {{ consultation_title }}.\n\n"
    "{{ question }}\n\n"
    "Our preferred option is {{ preferred_option }}. The papers and a short form for your "
    "reply are at your own link:\n{{ link }}\n\n"
    "Please reply by {{ deadline }}.\n\n"
    "Yours sincerely,\n\n"
    "{{ signatory }}"
)

_environment = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
)


class LetterError(ValueError):
    """The letter cannot be rendered; the message says why, for the officer."""


def letter_problems(template_text):
    """What is wrong with a letter template, as sentences for the officer; [] if nothing."""
    if len(template_text) > MAX_LETTER_LENGTH:
        return [f"The letter must be {MAX_LETTER_LENGTH:,} characters or fewer"]
    try:
        parsed = _environment.parse(template_text)
    except TemplateSyntaxError as error:
        return [f"Line {error.lineno} of the letter has a mistake: {error.message}"]
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(MERGE_FIELDS))
    problems = [f"The letter uses {{{{ {name} }}}}, which is not a merge field" for name in unknown]
    if not problems:
        try:
            _render(template_text, {name: f"[{name}]" for name in MERGE_FIELDS})
        except LetterError as error:
            problems.append(str(error))
    return problems


def merge_values(consultation, *, contact_name, contact_role, organisation_name, link_url):
    # An issued consultation's options are kept by the process (papers.py); a draft's are
    # loaded once per session.
    if consultation.state == "draft":
        preferred = consultation.preferred_option
    else:
        preferred = get_papers(consultation).preferred
    return {
        "contact_name": contact_name,
        "contact_role": contact_role,
        "organisation": organisation_name,
        "deadline": format_datetime(consultation.deadline_at) if consultation.deadline_at else "",
        "link": link_url,
        "signatory": consultation.signatory,
        "preferred_option": preferred.name if preferred else "",
        "consultation_title": consultation.title,
        "reference": consultation.reference,
        "question": consultation.question,
    }


def render_letter(consultation, *, contact_name, contact_role, organisation_name, link_url):
    """The letter personalised for one recipient. Raises LetterError if it cannot be."""
    values = merge_values(
        consultation,
        contact_name=contact_name,
        contact_role=contact_role,
        organisation_name=organisation_name,
        link_url=link_url,
    )
    return _render(consultation.letter, values)


@lru_cache(maxsize=16)
def _compile(template_text):
    """Compiled once per letter text, not once per recipient: issuing to thousands renders
    the same letter thousands of times."""
    return _environment.from_string(template_text)


def _render(template_text, values):
    try:
        return _compile(template_text).render(values)
    except TemplateSyntaxError as error:
        raise LetterError(
            f"Line {error.lineno} of the letter has a mistake: {error.message}"
        ) from None
    except UndefinedError as error:
        raise LetterError(f"The letter uses a field that has no value: {error.message}") from None
    except SecurityError:
        raise LetterError("The letter uses something merge fields cannot do") from None
    except (TypeError, ValueError, ArithmeticError, OverflowError) as error:
        raise LetterError(f"The letter could not be filled in: {error}") from None
