"""CSV import (all-or-nothing, every bad row reported) and formula-safe export."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable
from dataclasses import dataclass

from app.participants.fields import check_value, column_key
from app.validation import (
    control_characters,
    describe_controls,
    normalise_email,
    undrawable_message,
)

MAX_ROWS = 10_000
REQUIRED = ("name", "email")
OWN_COLUMNS = (*REQUIRED, "attended")
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
    # The custom fields (columns beyond OWN_COLUMNS), by key, in the file's order.
    fields: dict[str, str] = dataclasses.field(default_factory=dict)


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


def check_drawable(name: str) -> None:
    """A name must render on a certificate: refuse what no shipped font can draw."""
    message = undrawable_message(name)
    if message:
        raise ValueError(f"the name {message}")


def parse_attended(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"attended is {raw!r}; use yes or no")


def custom_columns(header: list[str]) -> dict[str, int]:
    """The custom fields' keys and positions: every named column beyond OWN_COLUMNS."""
    extras: dict[str, int] = {}
    errors = []
    for index, raw in enumerate(header):
        if not raw.strip() or raw.strip().lower() in OWN_COLUMNS:
            continue
        try:
            key = column_key(raw)
        except ValueError as exc:
            errors.append(RowError(1, str(exc)))
            continue
        if key in extras:
            errors.append(RowError(1, f"two columns are both the field {key}; keep one of them"))
        extras[key] = index
    if errors:
        raise CSVImportError(errors)
    return extras


def read_header(reader: Iterable[list[str]]) -> tuple[dict[str, int], int]:
    """Column positions by name, and how many columns the header has."""
    header = next(iter(reader), None) or []
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        if name in columns and name:
            raise CSVImportError(
                [RowError(1, f"the header names the column {name} twice; keep one of them")]
            )
        columns[name] = index
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
    return columns, len(header)


def shape_problem(cells: list[str], width: int, first: int, last: int) -> str | None:
    """What is wrong with the row's cells as a whole, before any one cell is read."""
    if any("\n" in c or "\r" in c for c in cells):
        span = f"on to line {last}" if last > first else "to the end of the file"
        return (
            f"a double quote opens a cell here that runs {span}: the quote is not closed "
            'where it should be. Close it, remove it, or double it ("") if it is part of '
            "the text"
        )
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        formula = next((c for c in cells if c.lstrip().startswith(FORMULA_PREFIXES[:4])), None)
        hint = (
            f" The formula {formula.strip()[:40]!r} was split at its commas: remove the "
            "formula or put the whole cell in double quotes."
            if formula
            else " A name or value that holds a comma must be in double quotes."
        )
        return f"the row has {len(cells)} cells but the header has {width}.{hint}"
    return None


def parse_row(
    cells: list[str], columns: dict[str, int], line: int, extras: dict[str, int] | None = None
) -> ImportRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name = cell("name")
    if not name:
        raise ValueError("the name is empty")
    controls = control_characters(name)
    if controls:
        raise ValueError(
            f"the name holds invisible control characters ({describe_controls(controls)}); "
            "remove them"
        )
    if len(name) > 200:
        raise ValueError(f"the name has {len(name)} characters; at most 200")
    check_drawable(name)
    email = normalise_email(cell("email"))
    attended = parse_attended(cell("attended")) if "attended" in columns else False
    fields = {
        key: check_value(key, cells[index] if index < len(cells) else "")
        for key, index in (extras or {}).items()
    }
    return ImportRow(line, name, email, attended, fields)


def parse_participants(data: bytes, existing_emails: set[str]) -> list[ImportRow]:
    """Every row of the file, or CSVImportError listing every bad one."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        columns, width = read_header(reader)
        extras = custom_columns([name for name, _ in sorted(columns.items(), key=lambda c: c[1])])
        rows, errors, seen = [], [], {}
        last_line = reader.line_num
        for cells in reader:
            first_line, last_line = last_line + 1, reader.line_num
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
            line = first_line
            try:
                problem = shape_problem(cells, width, first_line, last_line)
                if problem:
                    raise ValueError(problem)
                row = parse_row(cells, columns, line, extras)
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


def export_csv(
    rows: Iterable[tuple[str, str, bool, dict[str, str] | None]], keys: Iterable[str] = ()
) -> str:
    """The participants as an import would read them back, custom fields included."""
    keys = list(keys)
    return write_csv(
        [*OWN_COLUMNS, *keys],
        (
            [name, email, "yes" if attended else "no", *((fields or {}).get(k, "") for k in keys)]
            for name, email, attended, fields in rows
        ),
    )
