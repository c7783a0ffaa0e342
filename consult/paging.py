"""Numbers that come in the address: ids in routes and the page of a list."""

from flask import request
from werkzeug.routing import IntegerConverter

# The largest id either database keeps in an integer column.
LARGEST_ID = 2**31 - 1
# Further than any list of ours goes; a larger ?page= shows this one (empty).
LAST_PAGE_ASKED = 100_000


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in a route: a whole number the database can hold. A larger one matches
    no route, so it is a 404 rather than an overflow in the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def requested_page():
    """The list page asked for in ``?page=``: from 1 to LAST_PAGE_ASKED; anything that is
    not a whole number is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), LAST_PAGE_ASKED)


def as_id(value):
    """``value`` (text from a form or the address) as an id the database can hold, or
    None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= LARGEST_ID else None


def requested_id(name):
    """``?name=`` as an id the database can hold, or None."""
    return as_id(request.args.get(name))
