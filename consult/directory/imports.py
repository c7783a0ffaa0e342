"""Reading a CSV file of partners: organisations, and their contacts, one row each.

The file is read as Excel saves it: UTF-8 with or without a byte-order mark, UTF-16 from
"Unicode Text", or Windows-1252 from plain "CSV (Comma delimited)". Columns are matched
by their heading in any order. Every row is checked before anything is saved, so the
officer sees each bad row by line and column and imports only the good ones.

Nothing here touches the database: ``read_partners`` is given the sectors and the names
of organisations already in the directory, and returns a plan.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from consult.addresses import AddressError, normalise_email
from consult.text import is_one_line

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_LINE_CHARACTERS = 10_000

# field: (heading shown to people, other headings accepted, most characters)
COLUMNS = {
    "organisation": ("organisation", ("organisation name", "organization", "name"), 300),
    "sector": ("sector", (), 120),
    "address": ("address", (), 1000),
    "notes": ("notes", (), 5000),
    "contact_name": ("contact name", ("contact",), 200),
    "contact_role": ("contact role", ("role", "job title"), 200),
    "contact_email": ("contact email", ("email", "email address", "contact email address"), 320),
    "contact_phone": ("contact phone", ("phone", "telephone", "contact telephone"), 40),
}
REQUIRED = ("organisation",)
FORMULA_STARTS = ("=", "+", "-", "@")


class ImportFileError(ValueError):
    """The whole file cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str


@dataclass
class PartnerRow:
    line: int
    organisation: str
    sector: str = ""
    address: str = ""
    notes: str = ""
    contact_name: str = ""
    contact_role: str = ""
    contact_email: str = ""
    contact_phone: str = ""

    @property
    def has_contact(self):
        return bool(self.contact_name or self.contact_email)


@dataclass
class ImportPlan:
    rows: list[PartnerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    formula_cells: int = 0

    @property
    def total_rows(self):
        return len(self.rows) + len({problem.line for problem in self.problems})

    @property
    def bad_lines(self):
        return sorted({problem.line for problem in self.problems})


def _heading_key(heading):
    return re.sub(r"[\s_]+", " ", heading.strip().lower())


_FIELD_BY_HEADING = {
    _heading_key(heading): name
    for name, (label, aliases, _limit) in COLUMNS.items()
    for heading in (label, *aliases)
}


def decode(data):
    """The file's text, whichever way Excel saved it; ImportFileError if it is not text."""
    if not data.strip():
        raise ImportFileError("The file is empty. Choose a CSV file with a row for each partner.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "This is an Excel workbook, not a CSV file. In Excel, choose File, Save As, and "
            "pick “CSV UTF-8 (Comma delimited)”, then choose that file here."
        )
    if data.startswith(b"%PDF-"):
        raise ImportFileError("This is a PDF, not a CSV file. Choose a CSV file.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(_NOT_TEXT) from None
    if b"\x00" in data:
        raise ImportFileError(_NOT_TEXT)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFileError(_NOT_TEXT) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(_NOT_TEXT) from None
    if sum(1 for character in text if ord(character) < 32 and character not in "\r\n\t") > 0:
        raise ImportFileError(_NOT_TEXT)
    return text


_NOT_TEXT = (
    "This file is not a CSV file Consult can read. Save the spreadsheet as "
    "“CSV UTF-8 (Comma delimited)” and choose that file."
)


def _delimiter(first_line):
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_partners(data, *, sectors, existing_organisations):
    """Check every row of a partners CSV file.

    ``sectors`` maps a sector's lower-case name and slug to its name; ``existing_organisations``
    is the set of lower-case names already in the directory. Returns an ImportPlan of the
    good rows and every problem; raises ImportFileError when the file as a whole is wrong.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"The file is bigger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB. "
            "Split it into smaller files."
        )
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    if len(first_line) > MAX_LINE_CHARACTERS:
        raise ImportFileError(
            "The first line is too long to be a row of column headings. Check this is the "
            "right file: its first line should name the columns, such as organisation, sector, "
            "contact name and contact email."
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        headings = next(reader, None)
    except csv.Error as error:
        raise ImportFileError(f"The first line could not be read as CSV ({error}).") from None
    if not headings or not any(cell.strip() for cell in headings):
        raise ImportFileError(
            "The first line must name the columns, such as organisation, sector, contact "
            "name and contact email. It is blank."
        )
    fields, plan = _match_headings(headings)
    _read_rows(reader, fields, plan, sectors, existing_organisations)
    if not plan.rows and not plan.problems:
        raise ImportFileError(
            "The file has column headings but no partners. Add a row for each partner."
        )
    return plan


def _match_headings(headings):
    plan = ImportPlan()
    fields = []
    seen = {}
    for position, heading in enumerate(headings, start=1):
        name = _FIELD_BY_HEADING.get(_heading_key(heading))
        if name is None:
            if heading.strip():
                plan.ignored_columns.append(heading.strip()[:60])
            fields.append(None)
            continue
        if name in seen:
            raise ImportFileError(
                f"Columns {seen[name]} and {position} are both “{COLUMNS[name][0]}”. "
                "Keep one of them."
            )
        seen[name] = position
        fields.append(name)
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in seen]
    if missing:
        found = ", ".join(f"“{heading.strip()[:40]}”" for heading in headings if heading.strip())
        raise ImportFileError(
            f"The file has no “{missing[0]}” column. The first line must name the columns; "
            f"it has {found or 'none Consult knows'}. Consult reads: "
            + ", ".join(label for label, _aliases, _limit in COLUMNS.values())
            + "."
        )
    return fields, plan


def _read_rows(reader, fields, plan, sectors, existing_organisations):
    # what the file itself says about each organisation, to catch rows that disagree
    file_sector = {}
    contact_lines = {}
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            plan.problems.append(
                Problem(
                    reader.line_num,
                    "",
                    "This line has a cell too long to read. Check the file is the right one.",
                )
            )
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        problems = []
        if sum(len(cell) for cell in cells) > MAX_LINE_CHARACTERS:
            plan.problems.append(
                Problem(
                    line,
                    "",
                    f"This line is longer than {MAX_LINE_CHARACTERS:,} characters, "
                    "too long for a partner",
                )
            )
            continue
        if len(cells) > len(fields) and any(cell.strip() for cell in cells[len(fields) :]):
            problems.append(
                Problem(
                    line,
                    "",
                    f"This line has {len(cells)} cells but the headings name {len(fields)} "
                    "columns. A cell may hold a comma only inside quotation marks.",
                )
            )
        values = {}
        for name, cell in zip(fields, cells, strict=False):
            if name is None:
                continue
            value = cell.strip()
            label, _aliases, limit = COLUMNS[name]
            if len(value) > limit:
                problems.append(Problem(line, label, f"This is longer than {limit:,} characters"))
            if value.startswith(FORMULA_STARTS):
                plan.formula_cells += 1
            values[name] = value
        row = PartnerRow(line=line, **{**dict.fromkeys(COLUMNS, ""), **values})
        problems += _check_row(row, sectors, existing_organisations, file_sector, contact_lines)
        if problems:
            plan.problems.extend(problems)
        else:
            plan.rows.append(row)


def _check_row(row, sectors, existing_organisations, file_sector, contact_lines):
    problems = []
    key = row.organisation.lower()
    if not row.organisation:
        problems.append(Problem(row.line, "organisation", "The organisation's name is blank"))
    if row.sector:
        sector = sectors.get(row.sector.lower())
        if sector is None:
            problems.append(
                Problem(
                    row.line,
                    "sector",
                    f"“{row.sector[:60]}” is not a sector. Use one of: "
                    + ", ".join(sorted(set(sectors.values())))
                    + ". An admin can add sectors.",
                )
            )
        elif key and key in file_sector and file_sector[key][0] != sector:
            earlier_sector, earlier_line = file_sector[key]
            problems.append(
                Problem(
                    row.line,
                    "sector",
                    f"Line {earlier_line} puts this organisation in {earlier_sector}, "
                    f"this line in {sector}",
                )
            )
        elif key:
            row.sector = sector
    elif key and key not in existing_organisations and key not in file_sector:
        problems.append(
            Problem(row.line, "sector", "The sector is blank, and this is a new organisation")
        )
    if row.contact_email:
        try:
            row.contact_email = normalise_email(row.contact_email)
        except AddressError:
            problems.append(
                Problem(
                    row.line,
                    "contact email",
                    f"“{row.contact_email[:80]}” is not a valid email address",
                )
            )
    if not is_one_line(row.contact_name):
        problems.append(Problem(row.line, "contact name", "The contact's name must be on one line"))
    if (row.contact_role or row.contact_phone or row.contact_email) and not row.contact_name:
        problems.append(
            Problem(
                row.line,
                "contact name",
                "The contact's name is blank, but the row has their details",
            )
        )
    if row.has_contact and key and not problems:
        contact_key = (key, row.contact_email or row.contact_name.lower())
        if contact_key in contact_lines:
            problems.append(
                Problem(
                    row.line,
                    "contact email" if row.contact_email else "contact name",
                    f"Line {contact_lines[contact_key]} has this contact already",
                )
            )
        else:
            contact_lines[contact_key] = row.line
    if row.sector and not problems:
        file_sector.setdefault(key, (row.sector, row.line))
    return problems
