"""Custom fields: a spreadsheet's columns beyond name, email and attended (role, hours,
grade...), kept per participant and usable on the certificate as `{role}`, `{hours}`.

One rule for a column's name and one for a value, used by the CSV import, the
participant form and the layout check alike.
"""

from __future__ import annotations

import re

from app.certificates.rendering.layout import SIGNER_PLACEHOLDER
from app.validation import control_characters, describe_controls, undrawable_message

MAX_FIELDS = 20
MAX_VALUE_LENGTH = 200
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
# The CSV's own columns and the built-in placeholders (rendering/layout.py); the
# placeholders of the organizer's other signers (signer_2_name...) are refused too.
RESERVED = frozenset(
    {"name", "email", "attended", "event", "date", "code", "issuer", "signer_name", "signer_title"}
)


def column_key(header: str) -> str:
    """The placeholder name of a header cell ("Hours spent" -> hours_spent), or
    ValueError saying how to rename the column."""
    key = re.sub(r"[\s\-]+", "_", header.strip().lower())
    if not KEY.fullmatch(key):
        raise ValueError(
            f"the column {header.strip()[:40]!r} cannot be a certificate field: name it with "
            "letters, digits, spaces or underscores, starting with a letter, at most 40 "
            "characters"
        )
    if key in RESERVED or SIGNER_PLACEHOLDER.fullmatch(key):
        raise ValueError(
            f"the column {header.strip()!r} has a name Laurel uses itself ({{{key}}}); rename it"
        )
    return key


def check_value(key: str, raw: str) -> str:
    """A field's value as stored, or ValueError naming the field and what to fix."""
    value = raw.strip()
    controls = control_characters(value)
    if controls:
        raise ValueError(
            f"{key} holds invisible control characters ({describe_controls(controls)}); remove them"
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"{key} has {len(value)} characters; at most {MAX_VALUE_LENGTH}")
    message = undrawable_message(value) if value else None
    if message:
        raise ValueError(f"{key} {message}")
    return value


def merged_keys(current: list[str] | None, new: list[str]) -> list[str]:
    """The event's fields after an import: the old ones, then the file's new ones."""
    keys = list(current or [])
    keys += [key for key in new if key not in keys]
    if len(keys) > MAX_FIELDS:
        raise ValueError(
            f"the event would have {len(keys)} custom fields; at most {MAX_FIELDS}. "
            "Leave out the columns the certificate does not need."
        )
    return keys
