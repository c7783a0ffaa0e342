"""What changed between two versions of a response: the fields, and the words."""

import difflib
import itertools
import re
from dataclasses import dataclass, field

from consult.respond.models import STANCE_NAMES

PUBLICATION_NAMES = {
    "publish": "May be published",
    "publish_without_name": "May be published without the writer's name",
    "do_not_publish": "Not for publication",
}


@dataclass
class Change:
    version: object
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # what, before, after
    words: list[tuple[str, str]] = field(default_factory=list)  # ("same"|"added"|"removed", text)


def _described(response):
    return {
        "Stance": STANCE_NAMES[response.stance],
        "Option preferred instead": response.alternative_option.name
        if response.alternative_option
        else "",
        "Written by": ", ".join(
            part for part in (response.responder_name, response.responder_role) if part
        ),
        "Publication": PUBLICATION_NAMES.get(response.publication, response.publication),
        "Letter": response.letter_file.original_filename if response.letter_file else "",
    }


def _tokens(text):
    return re.findall(r"\s+|[^\s]+", text or "")


def word_changes(before, after):
    """The words of ``after`` against ``before``, as runs of same, added and removed."""
    runs = []
    matcher = difflib.SequenceMatcher(a=_tokens(before), b=_tokens(after), autojunk=False)
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            runs.append(("same", "".join(matcher.b[b_start:b_end])))
            continue
        if a_end > a_start:
            runs.append(("removed", "".join(matcher.a[a_start:a_end])))
        if b_end > b_start:
            runs.append(("added", "".join(matcher.b[b_start:b_end])))
    return runs


def changes(versions):
    """For each version after the first: the fields that changed and the words."""
    result = []
    for previous, current in itertools.pairwise(versions):
        before, after = _described(previous), _described(current)
        change = Change(
            version=current,
            fields=[
                (name, before[name], after[name]) for name in after if before[name] != after[name]
            ],
        )
        if (previous.comments or "") != (current.comments or ""):
            change.words = word_changes(previous.comments, current.comments)
        result.append(change)
    return result
