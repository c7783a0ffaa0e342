"""Spreadsheet exports that a spreadsheet cannot mistake for formulas."""

import csv
import io

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text as a cell: a leading =, +, -, @, tab or return is neutralised with an
    apostrophe, so Excel shows it instead of running it (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(header, rows):
    """CSV text, with a byte-order mark so Excel opens it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()
