"""The consultation letter: text with merge fields, filled in by plain substitution.

Officers write merge fields as GOV.UK Notify does, ``((contact_name))``; letters saved
before use ``{{ contact_name }}``, which is still read as the same merge field. A letter
holds text and merge fields and nothing else: it is never run as a template, so it cannot
compute (``{{ 9 ** 99999 }}``) or reach into the server. Anything else that looks like
template syntax is refused when the letter is saved, with the line it is on, so that a
mistake is never discovered when the letters go out.
"""

import re
from functools import lru_cache

from consult.consultations.papers import get_papers
from consult.dates import format_datetime

MAX_LETTER_LENGTH = 50_000

# The most a letter may be once filled in for one recipient. Plain substitution makes the
# filled-in letter the template's text plus each merge field's value, so a short letter
# that repeats ((question)) could otherwise grow to megabytes.
MAX_FILLED_IN_LENGTH = 50_000

# Field name -> what it holds, in plain English, shown to officers beside the letter.
MERGE_FIELDS = {
    "contact_name": "the name of the person the letter goes to",
    "organisation": "the organisation they reply for",
    "contact_role": "their role, for example Headteacher",
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
    "Dear ((contact_name)),\n\n"
    "I am writing to ask for ((organisation))'s view on ((consultation_title)).\n\n"
    "((question))\n\n"
    "Our preferred option is ((preferred_option)). The papers and a short form for your "
    "reply are at your own link:\n((link))\n\n"
    "Please reply by ((deadline)).\n\n"
    "Yours sincerely,\n\n"
    "((signatory))"
)

# A merge field as Notify writes it, ((name)); the old {{ name }}; or the start of anything
# else a template engine would read ({{ not closed, {% ... %}, {# ... #}).
_MARKS = re.compile(
    r"\(\((?P<field>[^()]*)\)\)"
    r"|\{\{(?P<old_field>[^{}]*)\}\}"
    r"|(?P<other>\{[{%#])"
)
_CLOSING = {"{{": "}}", "{%": "%}", "{#": "#}"}
_NAME = re.compile(r"\w+")
_NEWLINES = re.compile(r"\r\n?")
# Enough mistakes to fix at once; a letter made of thousands gets the first few.
_MOST_PROBLEMS = 5
_SHOWN_LENGTH = 40


class LetterError(ValueError):
    """The letter cannot be rendered; the message says why, for the officer."""


def letter_problems(template_text):
    """What is wrong with a letter, as sentences for the officer naming the line and what
    to write instead; [] if nothing."""
    if len(template_text) > MAX_LETTER_LENGTH:
        return [f"The letter must be {MAX_LETTER_LENGTH:,} characters or fewer"]
    return list(_parse(template_text)[1])


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
    """The letter personalised for one recipient, as plain text (the caller escapes it for
    HTML, as it does any text). Raises LetterError if it cannot be.

    The result is never longer than MAX_FILLED_IN_LENGTH characters: the length is
    counted from the letter's pieces before anything is joined, so a letter that would be
    longer raises LetterError without building it. Shown on a page, where escaping turns
    one character into at most five bytes (``&`` is ``&amp;``), it is at most 250 kB.
    """
    return fill_in_letter(
        consultation,
        consultation.letter or "",
        contact_name=contact_name,
        contact_role=contact_role,
        organisation_name=organisation_name,
        link_url=link_url,
    )


def fill_in_letter(
    consultation, template_text, *, contact_name, contact_role, organisation_name, link_url
):
    """``template_text`` filled in for one recipient of ``consultation``: what the letter
    page previews before the letter is saved. Raises LetterError as render_letter does."""
    values = merge_values(
        consultation,
        contact_name=contact_name,
        contact_role=contact_role,
        organisation_name=organisation_name,
        link_url=link_url,
    )
    return _fill_in(template_text, values)


def _fill_in(template_text, values):
    """The letter with each merge field replaced by its value, once: a value that itself
    holds ((link)) is not filled in again."""
    if len(template_text) > MAX_LETTER_LENGTH:
        raise LetterError(f"The letter must be {MAX_LETTER_LENGTH:,} characters or fewer")
    pieces, problems = _parse(template_text)
    if problems:
        raise LetterError(problems[0])
    texts = {name: "" if value is None else str(value) for name, value in values.items()}
    filled = [texts[piece] if is_field else piece for is_field, piece in pieces]
    if sum(map(len, filled)) > MAX_FILLED_IN_LENGTH:
        raise LetterError(
            f"Filled in, the letter would be longer than {MAX_FILLED_IN_LENGTH:,} characters. "
            "Shorten it, or use fewer merge fields."
        )
    return "".join(filled)


@lru_cache(maxsize=16)
def _parse(template_text):
    """The letter as (is_field, text-or-name) pieces, and its problems.

    Parsed once per letter text, not once per recipient: issuing to thousands fills in the
    same letter thousands of times. Line ends are made ``\\n``, as Jinja made them when
    letters were templates, so an old letter reads as it always did.
    """
    text = _NEWLINES.sub("\n", template_text)
    pieces, problems = [], []
    start, line, counted_to = 0, 1, 0
    for match in _MARKS.finditer(text):
        name = match["field"] if match["field"] is not None else match["old_field"]
        name = name.strip() if name is not None else None
        if name in MERGE_FIELDS:
            pieces.append((False, text[start : match.start()]))
            pieces.append((True, name))
            start = match.end()
            continue
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        problems.append(_problem(text, match, line, name))
        if len(problems) == _MOST_PROBLEMS:
            break
    pieces.append((False, text[start:]))
    return tuple(piece for piece in pieces if piece[1]), tuple(problems)


def _problem(text, match, line, name):
    if name is not None and _NAME.fullmatch(name):
        return (
            f"Line {line} of the letter uses {_shown(match[0])}, which is not a merge field. "
            f"Use one of {_field_list()}."
        )
    if match["other"]:
        # Up to its closing mark on the same line, or else the rest of the line.
        line_end = text.find("\n", match.start())
        line_end = len(text) if line_end == -1 else line_end
        closing = text.find(_CLOSING[match["other"]], match.end(), line_end)
        written = text[match.start() : closing + 2 if closing != -1 else line_end]
    else:
        written = match[0]
    known = [word for word in _NAME.findall(written) if word in MERGE_FIELDS]
    instead = f"Write (({known[0]})) instead." if known else f"Use one of {_field_list()}."
    return (
        f"Line {line} of the letter has a mistake: {_shown(written)} is not a merge field. "
        "A letter can hold only text and merge fields, which Consult fills in for each "
        f"recipient. {instead}"
    )


def _shown(written):
    """What the officer wrote, on one line and short enough to read in a message."""
    written = " ".join(written.split())
    if len(written) > _SHOWN_LENGTH:
        return f"{written[:_SHOWN_LENGTH]}…"
    return written


def _field_list():
    names = [f"(({name}))" for name in MERGE_FIELDS]
    return f"{', '.join(names[:-1])} or {names[-1]}"
