"""Spreadsheet exports that a spreadsheet cannot mistake for formulas."""

import csv
import io

import xlsxwriter

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


def xlsx_bytes(sheet_name, header, rows):
    """An Excel workbook of one sheet: every cell written as text (never a formula or a
    link), neutralised as in CSV too, with the header row frozen."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [safe_cell(cell) for cell in row])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    workbook.close()
    return buffer.getvalue()
