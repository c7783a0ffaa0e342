"""Taking individuals' contact details out of words that will be published."""

import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# UK numbers as people write them: 01709 822000, (01709) 822 000, 07700 900123,
# +44 (0)1709 822000, 0114-273-4567.
PHONE = re.compile(r"(?<![\w+])(?:\+44\s*(?:\(0\)\s*)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")
EMAIL_REMOVED = "[email address removed]"
PHONE_REMOVED = "[phone number removed]"
NAME_WITHHELD = "[name withheld]"
# What stands in for a person's details once they are erased.
ERASED = "[erased]"


def redact(text, *, names=()):
    """``text`` with email addresses and phone numbers replaced by a marker, and each of
    ``names`` (people who asked not to be named) too."""
    text = EMAIL.sub(EMAIL_REMOVED, text or "")
    text = PHONE.sub(PHONE_REMOVED, text)
    for name in names:
        if name and name.strip():
            text = re.sub(re.escape(name.strip()), NAME_WITHHELD, text, flags=re.IGNORECASE)
    return text
