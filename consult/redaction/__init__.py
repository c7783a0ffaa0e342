"""Finding, and taking out, what must not be published about people and their links.

``find`` gives the spans of email addresses, phone numbers, links to Consult and its
tokens, names that partners asked to withhold and words an officer chose to remove;
``redact`` replaces each span with a marker. Both are pure, so the annex, the letters
(consult/redaction/letters.py) and retention all take out exactly the same things.

A withheld name is found as it was given and in the other order ("Alex Moore" and
"Moore, Alex", as an email's sender is often shown), in any case; ``withheld_names`` says
whose names a reply withholds.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
from flask import current_app

# What stands in for a person's details once they are erased.
ERASED = "[erased]"
EMAIL_REMOVED = "[email address removed]"
PHONE_REMOVED = "[phone number removed]"
LINK_REMOVED = "[link removed]"
NAME_WITHHELD = "[name withheld]"
WORDS_REMOVED = "[removed]"

MARKERS = {
    "email": EMAIL_REMOVED,
    "phone": PHONE_REMOVED,
    "link": LINK_REMOVED,
    "token": LINK_REMOVED,
    "name": NAME_WITHHELD,
    "words": WORDS_REMOVED,
}

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# UK numbers as people write them: 01709 822000, (01709) 822 000, 07700 900123,
# +44 (0)1709 822000, 0114-273-4567.
PHONE = re.compile(r"(?<![\w+])(?:\+44\s*(?:\(0\)\s*)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")
# Any number written in international form, +353 1 234 5678 or +1 (202) 555 0143, whether
# or not phonenumbers knows the range: a "+" and eight or more digits is a phone number.
INTERNATIONAL = re.compile(r"(?<![\w+])\+[1-9](?:[\s.-]?\(?\d\)?){7,14}(?!\d)")
# A label that makes the number after it a reference, not a phone: "Ref 0123456789",
# "our reference: 0123456789", "Invoice no. 0123456789", "order number 0123456789".
REFERENCE_LABEL = re.compile(
    r"(?:\bref(?:erence)?|\binvoice|\border|\baccount|\bcase|\bpolicy|\bcustomer)"
    r"(?:\s*(?:no\.?|number|#))?\s*[:.#]?\s*$",
    re.IGNORECASE,
)
URL_SAFE = "A-Za-z0-9_-"
# Our tokens are secrets.token_urlsafe(32), 43 characters; 32 is enough to be unmistakable.
TOKEN = re.compile(rf"(?<![{URL_SAFE}])[{URL_SAFE}]{{32,}}(?![{URL_SAFE}])")
# A run that long is a token when it holds a digit and a letter, or when it is not made of
# words (lower case, Capitalised or CAPITALS) joined by hyphens or underscores: about one
# token in 1,500 has no digit, and almost none is made of words.
WORD = re.compile(r"[A-Z]?[a-z]*|[A-Z]*")
# Titles written before a name, which the name is also found without.
TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "rev", "revd", "cllr",
    "councillor", "sir", "dame", "lord", "lady", "supt", "ch", "insp", "det", "sgt",
    "pc", "dci", "di", "ds",
}  # fmt: skip
# A partner's link or a staff invitation, on whatever host it was written.
TOKEN_PATH = re.compile(
    rf"(?:https?://[^\s/]+)?/(?:r|invitations)/[{URL_SAFE}]{{10,}}(?![{URL_SAFE}])"
)
# What may follow a host in a link; a full stop or comma at its end closes the sentence.
LINK_TAIL = r"(?::\d+)?(?:/(?:[^\s<>\"'()\[\]]*[^\s<>\"'()\[\].,;:!?])?)?"


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str  # "email", "phone", "link", "token", "name" or "words"


def find(text, *, names=(), words=(), service_hosts=()):
    """The spans of ``text`` to take out, in order, none overlapping: where two overlap
    they become one span of the longer one's kind."""
    text = text or ""
    found = [Finding(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    found += _phones(text)
    found += [Finding(m.start(), m.end(), "link") for m in TOKEN_PATH.finditer(text)]
    for host in service_hosts:
        if host:
            pattern = rf"(?<![\w.-])(?:https?://)?{re.escape(host)}(?![\w-]|\.[\w-]){LINK_TAIL}"
            found += [
                Finding(m.start(), m.end(), "link")
                for m in re.finditer(pattern, text, re.IGNORECASE)
            ]
    found += [Finding(m.start(), m.end(), "token") for m in TOKEN.finditer(text) if _is_token(m)]
    found += _phrases(text, [form for name in names for form in name_forms(name)], "name")
    found += _phrases(text, words, "words")
    return _merged(found)


def redact(text, *, names=(), words=(), service_hosts=()):
    """``text`` with everything ``find`` finds replaced by a marker saying what it was."""
    text = text or ""
    pieces = []
    at = 0
    for finding in find(text, names=names, words=words, service_hosts=service_hosts):
        pieces += [text[at : finding.start], MARKERS[finding.kind]]
        at = finding.end
    pieces.append(text[at:])
    return "".join(pieces)


def name_forms(name):
    """The ways a person's name is written: as given, "First Last" and "Last, First", and
    each without a title before it ("Supt Alex Moore" is also "Alex Moore")."""
    name = " ".join((name or "").split())
    if not name:
        return []
    last, comma, first = name.partition(",")
    if comma:
        first, last = first.strip(), last.strip()
    else:
        *given, last = name.split(" ")
        first = " ".join(given)
    words = first.split(" ")
    untitled = " ".join(words[1:]) if len(words) > 1 and _is_title(words[0]) else first
    forms = [name]
    for first_names in dict.fromkeys((first, untitled)):
        if first_names and last:
            forms += [f"{first_names} {last}", f"{last}, {first_names}"]
    return list(dict.fromkeys(forms))


def withheld_names(publication, responder_name, contact_names=()):
    """The names a reply published "without that person's name" must not show: the
    writer's; or, when the reply names no one, those of the request's contacts, one of
    whom wrote it."""
    if publication != "publish_without_name":
        return []
    if responder_name and responder_name != ERASED:
        return [responder_name]
    return [name for name in contact_names if name and name != ERASED]


def service_hosts():
    """The host of Consult's own address, whose links must never be published."""
    host = urlsplit(current_app.config.get("APP_BASE_URL") or "").hostname
    return (host,) if host else ()


def _phones(text):
    """Phone numbers found by our regex for UK numbers as people write them, or by the
    phonenumbers library, which knows every country's ranges but leaves out numbers in
    Ofcom's drama ranges (07700 900123)."""
    found = [
        Finding(m.start(), m.end(), "phone")
        for pattern in (PHONE, INTERNATIONAL)
        for m in pattern.finditer(text)
        if not _is_reference(text, m.start(), m.group())
    ]
    found += [Finding(m.start, m.end, "phone") for m in phonenumbers.PhoneNumberMatcher(text, "GB")]
    return found


def _is_reference(text, start, number):
    """A number the regex took for a phone that is labelled as a reference ("Ref
    0123456789") and that phonenumbers does not think a real number is left alone. A
    labelled number that could be dialled is still taken out: better a reference hidden
    than a phone number published."""
    if not REFERENCE_LABEL.search(text[max(0, start - 30) : start]):
        return False
    try:
        return not phonenumbers.is_valid_number(phonenumbers.parse(number, "GB"))
    except phonenumbers.NumberParseException:
        return True


def _is_token(match):
    token = match.group()
    if re.search(r"\d", token):
        return bool(re.search(r"[A-Za-z]", token))
    return not all(WORD.fullmatch(part) for part in re.split(r"[-_]", token))


def _is_title(word):
    return word.rstrip(".").lower() in TITLES


def _phrases(text, phrases, kind):
    """Each phrase, in any case, with any run of spaces or line breaks between its words
    (and any spaces round a comma), and not as part of a longer word."""
    found = []
    for phrase in phrases:
        parts = (phrase or "").replace(",", " , ").split()
        if parts:
            pattern = r"\s+".join(map(re.escape, parts)).replace(r"\s+,\s+", r"\s*,\s*")
            pattern = r"(?<!\w)" + pattern + r"(?!\w)"
            found += [
                Finding(m.start(), m.end(), kind) for m in re.finditer(pattern, text, re.IGNORECASE)
            ]
    return found


def _merged(found):
    merged = []
    for finding in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            longer = last if last.end - last.start >= finding.end - finding.start else finding
            merged[-1] = Finding(last.start, max(last.end, finding.end), longer.kind)
        else:
            merged.append(finding)
    return merged
