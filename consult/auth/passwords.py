"""Password hashing with Argon2id (argon2-cffi's recommended parameters), and the
choice of a new password."""

import re
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MINIMUM_LENGTH = 12
TOO_COMMON = (
    "Choose a password that is harder to guess: it is one of the most common passwords or "
    "keyboard patterns, perhaps with numbers or symbols added"
)
TOO_PERSONAL = (
    "Choose a password that is harder to guess: it is too close to your name or email address"
)

_COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
# zxcvbn's own limit: its matching slows past it (seconds at 1,000 characters), and no
# common password is half as long.
_ZXCVBN_MAX_LENGTH = 72
# zxcvbn() keeps the user inputs of the call in a module-level dictionary: one call at a
# time, so that two people choosing passwords at once are not checked against each other.
_zxcvbn_lock = threading.Lock()

_hasher = PasswordHasher()
# Checked against when no user has the email, so a wrong email takes as long as a wrong
# password and response times do not reveal which addresses have accounts.
_UNUSED_HASH = _hasher.hash("no account has this password")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """True when ``password`` matches; never raises for a wrong or damaged hash."""
    try:
        return _hasher.verify(password_hash or _UNUSED_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_verify_time(password):
    """Do the work of a verification without an account, to keep timing even."""
    verify_password(_UNUSED_HASH, password)
    return False


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password, *, name="", email=""):
    """What is wrong with a new password, or None.

    NCSC guidance: no rules about kinds of character, but refuse what attackers try first.
    That is the commonest passwords (zxcvbn's list of 30,000, from real breaches), and the
    person's own name and email address, alone or with only guessable additions. zxcvbn
    explains a password as the parts an attacker would guess it from; it is refused when
    every part is a common password, the person's name or email, a keyboard run, a
    sequence, a repeat, or has no letters (digits, symbols, dates).
    """
    if len(password) < MINIMUM_LENGTH:
        return f"Password must be {MINIMUM_LENGTH} characters or more"
    if len(password) > 1000:
        return "Password must be 1,000 characters or fewer"
    if password.lower() in _COMMON_PASSWORDS:
        return TOO_COMMON
    if len(password) > _ZXCVBN_MAX_LENGTH:
        return None
    with _zxcvbn_lock:
        sequence = zxcvbn(password, user_inputs=_personal_words(name, email))["sequence"]
    if not all(_is_guessable(part) for part in sequence):
        return None
    if any(part.get("dictionary_name") == "user_inputs" for part in _parts(sequence)):
        return TOO_PERSONAL
    return TOO_COMMON


def _personal_words(name, email):
    """The person's name and email as zxcvbn should look for them: whole, in their words,
    and run together ("priya shah", "priya", "shah", "priyashah", "priya.shah", ...)."""
    name, email = name.lower(), email.lower()
    name_words = re.findall(r"[^\W_]+", name)
    local_part = email.rpartition("@")[0]
    words = [name, *name_words, "".join(name_words), email, local_part]
    return [word for word in [*words, *re.findall(r"[^\W_]+", local_part)] if len(word) >= 3]


def _is_guessable(part):
    if part["pattern"] == "dictionary":
        return part["dictionary_name"] in {"passwords", "user_inputs"}
    if part["pattern"] in {"spatial", "sequence", "repeat"}:
        return True
    return not any(character.isalpha() for character in part["token"])


def _parts(sequence):
    """The parts of zxcvbn's explanation, and the parts of what each repeat repeats."""
    for part in sequence:
        yield part
        if part["pattern"] == "repeat":
            yield from _parts(part["base_matches"])
