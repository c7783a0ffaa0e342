"""Email addresses as Consult stores them, for users, contacts and erasure look-ups alike."""

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """Not an email address; the message says why, in words an officer can act on."""


def normalise_email(email):
    """The address as stored: checked for syntax (no network look-up), lower case."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AddressError(f"Enter a valid email address: {error}") from None
    return result.normalized.lower()
