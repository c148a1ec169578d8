"""CSV import (all-or-nothing, every bad row reported) and formula-safe export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

MAX_ROWS = 10_000
REQUIRED = ("name", "email")
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "attended"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_ERRORS_SHOWN = 200


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    email: str
    attended: bool


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class CSVImportError(ValueError):
    """The file cannot be imported; `errors` lists every reason."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(map(str, errors[:5])))
        self.errors = errors


def decode(data: bytes) -> str:
    if not data.strip():
        raise CSVImportError(
            [RowError(0, "The file is empty; it needs a header row (name,email).")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CSVImportError(
            [
                RowError(
                    0,
                    (
                        f"The file is not UTF-8 (byte 0x{data[exc.start]:02x} at position "
                        f'{exc.start}). Save it as "CSV UTF-8" and import it again.'
                    ),
                )
            ]
        ) from None


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def normalise_email(raw: str) -> str:
    """A checked, lower-case address; ValueError says what is wrong."""
    # Imported here: its module compiles dozens of regular expressions, a cost
    # every cold start would pay for pages that never check an address.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


def check_drawable(name: str) -> None:
    """A name must render on a certificate: refuse what no shipped font can draw."""
    from app.certificates.rendering import describe_char, undrawable

    missing = undrawable(name)
    if missing:
        listed = "; ".join(describe_char(c) for c in missing)
        raise ValueError(f"the name has characters no certificate font can draw: {listed}")


def parse_attended(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"attended is {raw!r}; use yes or no")


def read_header(reader: Iterable[list[str]]) -> dict[str, int]:
    header = next(iter(reader), None) or []
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise CSVImportError(
            [
                RowError(
                    1,
                    (
                        f"missing column {', '.join(missing)}; the header must name the columns "
                        f"name and email (attended is optional), found {found}"
                    ),
                )
            ]
        )
    return columns


def parse_row(cells: list[str], columns: dict[str, int], line: int) -> ImportRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name = cell("name")
    if not name:
        raise ValueError("the name is empty")
    if len(name) > 200:
        raise ValueError(f"the name has {len(name)} characters; at most 200")
    check_drawable(name)
    email = normalise_email(cell("email"))
    attended = parse_attended(cell("attended")) if "attended" in columns else False
    return ImportRow(line, name, email, attended)


def parse_participants(data: bytes, existing_emails: set[str]) -> list[ImportRow]:
    """Every row of the file, or CSVImportError listing every bad one."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        columns = read_header(reader)
        rows, errors, seen = [], [], {}
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise CSVImportError(
                    [
                        RowError(
                            0,
                            (
                                f"The file has more than {MAX_ROWS:,} participants; "
                                f"split it into files of at most {MAX_ROWS:,} rows."
                            ),
                        )
                    ]
                )
            line = reader.line_num
            try:
                row = parse_row(cells, columns, line)
                if row.email in existing_emails:
                    raise ValueError(f"{row.email} is already a participant of this event")
                if row.email in seen:
                    raise ValueError(f"{row.email} appears twice (also on line {seen[row.email]})")
            except ValueError as exc:
                errors.append(RowError(line, str(exc)))
                continue
            seen[row.email] = line
            rows.append(row)
    except csv.Error as exc:
        raise CSVImportError([RowError(reader.line_num, f"unreadable CSV: {exc}")]) from None
    if errors:
        raise CSVImportError(errors)
    if not rows:
        raise CSVImportError([RowError(0, "The file has a header but no participants.")])
    return rows


def neutralise(cell: str) -> str:
    """Make a cell inert in spreadsheets without losing what it says."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def write_csv(header: list[str], rows: Iterable[Iterable[str]]) -> str:
    """A CSV file that no spreadsheet runs as formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def export_csv(rows: Iterable[tuple[str, str, bool]]) -> str:
    return write_csv(
        ["name", "email", "attended"],
        ((name, email, "yes" if attended else "no") for name, email, attended in rows),
    )
