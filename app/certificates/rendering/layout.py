"""Certificate layouts: where each piece of text and the QR code go on the template.

A layout is a JSON object. Positions and sizes are relative, so a layout survives a
new template of another size:

    {
      "version": 1,
      "fields": [
        {"type": "participant_name", "x": 0.5, "y": 0.5, "font": "serif",
         "weight": "bold", "size": 0.08, "color": "#1f2a44", "align": "center",
         "max_width": 0.76},
        {"type": "text", "text": "has attended", "x": 0.5, "y": 0.6},
        {"type": "qr_code", "x": 0.86, "y": 0.76, "size": 0.17}
      ]
    }

Text fields (`participant_name`, `event_title`, `event_date`, `certificate_code`,
`text`):

- `x`, `y` (required, 0..1): the anchor, as a fraction of the template's width and
  height. `align` says which point of the line sits on the anchor horizontally
  (`left` edge, `center`, `right` edge); vertically the anchor is the middle of the line.
- `font`: `sans` | `serif` (default `sans`); `weight`: `regular` | `bold` (default
  `regular`).
- `size`: font size as a fraction of the template's HEIGHT (default 0.04; 0.04 of a
  1240 px high template is a 50 px font), 0.005..0.5.
- `color`: `#rrggbb` or `#rgb` (default `#222222`).
- `align`: `left` | `center` | `right` (default `center`).
- `max_width` (optional, 0..1 of the template's width): longer text shrinks to fit.
  Text also always shrinks to stay inside the template and clear of a QR code beside it.
- `max_lines`: 1 (default), 2 or 3. Text that would have to shrink below 80 % of its
  size wraps at spaces instead, onto lines of similar width, centred vertically on `y`.
- `text` (only and required for `type: "text"`): the fixed text to draw.

QR code (`qr_code`): `x`, `y` (required): its centre; `size` (default 0.16): the side
of the square, quiet zone included, as a fraction of the template's height, 0.05..0.9.

Branding images (`logo`, `signature`: the organizer's, see app/branding): `x`, `y`
(required): the image's centre; `size` (default 0.12): its height as a fraction of the
template's height, 0.02..0.6 (the width follows the image's proportions). A field whose
image has not been uploaded draws nothing. A `signature` field may say which of the
organizer's signatures it shows: `signer`, 1..4 (default 1, and then left out of the
stored JSON, so layouts written before there were several keep their exact text).
Whether that signature exists depends on the organizer: the designer checks it when a
layout is saved (app/certificates/design.py).

Placeholders: a `text` field's text may hold `{name}`, `{event}`, `{date}`, `{code}`,
`{issuer}`, `{signer_name}`, `{signer_title}` (signature 1's signer),
`{signer_2_name}`, `{signer_2_title}` and so on for the organizer's other signatures,
and the event's custom fields (`{role}`, `{hours}`: the participants' extra CSV
columns). Which names exist depends on the event and its organizer, so
`unknown_placeholders` checks them when a layout is saved; a brace that does not
enclose such a name (`{ }`, `{Role}`) is drawn as written.

`version` is optional (1 is the only version). Anything else is an error: unknown keys,
types or values, out-of-range numbers, JSON values of the wrong type. `LayoutError`
carries one message per problem, each naming the field, e.g.
`fields[2].color: "red!" is not a colour; use #rrggbb (e.g. "#1f2a44")`.

This module does not import Pillow.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fonts import FAMILIES, WEIGHTS, describe_char, normalize_text, undrawable

LAYOUT_VERSION = 1
TEXT_TYPES = ("participant_name", "event_title", "event_date", "certificate_code", "text")
IMAGE_TYPES = ("logo", "signature")
FIELD_TYPES = (*TEXT_TYPES, "qr_code", *IMAGE_TYPES)
BUILT_IN_PLACEHOLDERS = ("name", "event", "date", "code", "issuer", "signer_name", "signer_title")
MAX_SIGNER = 4  # signatures an organizer may have (app/branding/models.py: MAX_SIGNATURES)
# The placeholders of signatures 2..MAX_SIGNER; no custom field may be named like them.
SIGNER_PLACEHOLDER = re.compile(r"signer_[0-9]+_(name|title)")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")
ALIGNS = ("left", "center", "right")
MAX_FIELDS = 50
MAX_TEXT_LENGTH = 300

TEXT_SIZE_RANGE = (0.005, 0.5)
QR_SIZE_RANGE = (0.05, 0.9)
IMAGE_SIZE_RANGE = (0.02, 0.6)

_TEXT_KEYS = (
    "type",
    "x",
    "y",
    "font",
    "weight",
    "size",
    "color",
    "align",
    "max_width",
    "max_lines",
)
_KEYS = (
    {t: _TEXT_KEYS for t in TEXT_TYPES}
    | {
        "text": (*_TEXT_KEYS, "text"),
        "qr_code": ("type", "x", "y", "size"),
    }
    | {"logo": ("type", "x", "y", "size"), "signature": ("type", "x", "y", "size", "signer")}
)
_TOP_KEYS = ("version", "fields")
_COLOR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class LayoutError(ValueError):
    """The layout is not valid; `messages` has one line per problem, each naming the field."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("invalid layout: " + "; ".join(self.messages))


@dataclass(frozen=True)
class TextField:
    type: str
    x: float
    y: float
    font: str = "sans"
    weight: str = "regular"
    size: float = 0.04
    color: str = "#222222"
    align: str = "center"
    max_width: float | None = None
    max_lines: int = 1
    text: str | None = None


@dataclass(frozen=True)
class QRField:
    x: float
    y: float
    size: float = 0.16
    type: str = "qr_code"


@dataclass(frozen=True)
class ImageField:
    type: str  # one of IMAGE_TYPES
    x: float
    y: float
    size: float = 0.12
    signer: int = 1  # which of the organizer's signatures (signature fields only)

    @property
    def image(self) -> str:
        """The name of the image it draws, as `brand_keys` and the renderer name them."""
        return "logo" if self.type == "logo" else signature_image(self.signer)


def signature_image(number: int) -> str:
    """Signature 1 is "signature", as it was when an organizer had only one."""
    return "signature" if number == 1 else f"signature_{number}"


def signer_placeholders(number: int) -> tuple[str, str]:
    """The placeholders of a signature's signer: their name and their title."""
    if number == 1:
        return "signer_name", "signer_title"
    return f"signer_{number}_name", f"signer_{number}_title"


Field = TextField | QRField | ImageField


@dataclass(frozen=True)
class Layout:
    fields: tuple[Field, ...]
    version: int = LAYOUT_VERSION


# --- parsing ---------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _show(value: Any) -> str:
    """A value as it appears in JSON, shortened for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)[:40]
    return text if len(text) <= 40 else text[:37] + "..."


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    pass


def _unknown_key(path: str, key: Any, allowed: tuple[str, ...]) -> str:
    message = f"{path}.{key}: unknown key" if path else f"{key}: unknown key"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        message += f' (did you mean "{close[0]}"?)'
    return message + f"; allowed keys: {', '.join(allowed)}"


def _number(errors: list[str], path: str, value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(
            f"{path}: expected a number from {low} to {high}, got {_json_type(value)} "
            f"{_show(value)}"
        )
        return None
    # Range first: a huge JSON integer compares fine but overflows math.isfinite.
    if not low <= value <= high or not math.isfinite(value):
        errors.append(f"{path}: {_show(value)} is out of range; use a number from {low} to {high}")
        return None
    return float(value)


def _choice(errors: list[str], path: str, value: Any, choices: tuple[str, ...]) -> str | None:
    if isinstance(value, str) and value in choices:
        return value
    shown = f"{_json_type(value)} {_show(value)}" if not isinstance(value, str) else _show(value)
    errors.append(f"{path}: {shown} is not one of {', '.join(choices)}")
    return None


def _color(errors: list[str], path: str, value: Any) -> str | None:
    if not isinstance(value, str):
        errors.append(
            f'{path}: expected a string like "#1f2a44", got {_json_type(value)} {_show(value)}'
        )
        return None
    if not _COLOR.fullmatch(value):
        errors.append(f'{path}: {_show(value)} is not a colour; use #rrggbb (e.g. "#1f2a44")')
        return None
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _text(errors: list[str], path: str, value: Any, family: str, weight: str) -> str | None:
    if not isinstance(value, str):
        errors.append(f"{path}: expected a string, got {_json_type(value)} {_show(value)}")
        return None
    controls = [c for c in value if unicodedata.category(c) in ("Cc", "Cs")]
    if controls:
        shown = ", ".join(sorted({f"U+{ord(c):04X}" for c in controls}))
        errors.append(f"{path}: holds control characters or lone surrogates ({shown}); remove them")
        return None
    text = normalize_text(value)
    if not text:
        errors.append(f"{path}: must not be empty")
        return None
    if len(text) > MAX_TEXT_LENGTH:
        errors.append(f"{path}: is {len(text)} characters long; the limit is {MAX_TEXT_LENGTH}")
        return None
    missing = undrawable(text, family, weight)
    if missing:
        listed = ", ".join(f"{_show(c)} ({describe_char(c)})" for c in missing)
        errors.append(f"{path}: the shipped fonts cannot draw {listed}")
        return None
    return text


def _parse_field(errors: list[str], path: str, raw: Any) -> Field | None:
    if not isinstance(raw, Mapping):
        errors.append(f"{path}: expected an object, got {_json_type(raw)} {_show(raw)}")
        return None
    if "type" not in raw:
        errors.append(f"{path}.type: missing; use one of {', '.join(FIELD_TYPES)}")
        return None
    kind = _choice(errors, f"{path}.type", raw["type"], FIELD_TYPES)
    if kind is None:
        return None

    before = len(errors)
    allowed = _KEYS[kind]
    for key in raw:
        if key not in allowed:
            errors.append(_unknown_key(path, key, allowed))
    for key in ("x", "y", "text") if kind == "text" else ("x", "y"):
        if key not in raw:
            errors.append(f"{path}.{key}: missing (required for {kind})")

    values: dict[str, Any] = {}
    for key in ("x", "y"):
        if key in raw:
            values[key] = _number(errors, f"{path}.{key}", raw[key], 0, 1)

    if kind == "qr_code":
        if "size" in raw:
            values["size"] = _number(errors, f"{path}.size", raw["size"], *QR_SIZE_RANGE)
        return QRField(**values) if len(errors) == before else None
    if kind in IMAGE_TYPES:
        if "size" in raw:
            values["size"] = _number(errors, f"{path}.size", raw["size"], *IMAGE_SIZE_RANGE)
        if "signer" in raw:
            value = raw["signer"]
            if type(value) is int and 1 <= value <= MAX_SIGNER:
                values["signer"] = value
            else:
                errors.append(
                    f"{path}.signer: expected a signature number from 1 to {MAX_SIGNER}, "
                    f"got {_json_type(value)} {_show(value)}"
                )
        return ImageField(type=kind, **values) if len(errors) == before else None

    if "font" in raw:
        values["font"] = _choice(errors, f"{path}.font", raw["font"], FAMILIES)
    if "weight" in raw:
        values["weight"] = _choice(errors, f"{path}.weight", raw["weight"], WEIGHTS)
    if "size" in raw:
        values["size"] = _number(errors, f"{path}.size", raw["size"], *TEXT_SIZE_RANGE)
    if "color" in raw:
        values["color"] = _color(errors, f"{path}.color", raw["color"])
    if "align" in raw:
        values["align"] = _choice(errors, f"{path}.align", raw["align"], ALIGNS)
    if raw.get("max_width") is not None:
        value = raw["max_width"]
        number = _number(errors, f"{path}.max_width", value, 0, 1)
        if number is not None and number <= 0:
            errors.append(f"{path}.max_width: must be greater than 0")
            number = None
        values["max_width"] = number
    if "max_lines" in raw:
        value = raw["max_lines"]
        if type(value) is int and 1 <= value <= 3:
            values["max_lines"] = value
        else:
            errors.append(
                f"{path}.max_lines: expected 1, 2 or 3, got {_json_type(value)} {_show(value)}"
            )
    if kind == "text" and "text" in raw:
        family = values.get("font") or "sans"
        weight = values.get("weight") or "regular"
        values["text"] = _text(errors, f"{path}.text", raw["text"], family, weight)
    if len(errors) != before:
        return None
    return TextField(type=kind, **values)


def parse_layout(source: Layout | Mapping[str, Any] | str | bytes) -> Layout:
    """Validate a layout given as a JSON string/bytes or an already-decoded object.
    Raises LayoutError with every problem found."""
    if isinstance(source, Layout):
        return source
    if isinstance(source, bytes | bytearray):
        try:
            source = bytes(source).decode("utf-8")
        except UnicodeDecodeError:
            raise LayoutError(["layout: is not UTF-8 text"]) from None
    if isinstance(source, str):
        try:
            source = json.loads(source, object_pairs_hook=_reject_duplicates)
        except _DuplicateKey as exc:
            raise LayoutError([f'layout: the key "{exc.args[0]}" appears twice']) from None
        except json.JSONDecodeError as exc:
            raise LayoutError(
                [f"layout: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
            ) from None
        except RecursionError:
            raise LayoutError(
                ["layout: nested too deeply; a layout is an object with a flat fields array"]
            ) from None
        except ValueError:  # Python refuses integers of more than 4300 digits
            raise LayoutError(
                ["layout: a number has thousands of digits; write numbers such as 0.5"]
            ) from None

    if not isinstance(source, Mapping):
        raise LayoutError(
            [f"layout: expected a JSON object with a fields array, got {_json_type(source)}"]
        )

    errors: list[str] = []
    for key in source:
        if key not in _TOP_KEYS:
            errors.append(_unknown_key("", key, _TOP_KEYS))
    version = source.get("version", LAYOUT_VERSION)
    if isinstance(version, bool) or version != LAYOUT_VERSION:
        errors.append(f"version: {_show(version)} is not supported; use {LAYOUT_VERSION}")

    fields: list[Field] = []
    raw_fields = source.get("fields")
    if "fields" not in source:
        errors.append("fields: missing; give an array of fields")
    elif not isinstance(raw_fields, list | tuple):
        errors.append(f"fields: expected an array, got {_json_type(raw_fields)}")
    elif not raw_fields:
        errors.append("fields: is empty; a certificate needs at least a participant_name field")
    elif len(raw_fields) > MAX_FIELDS:
        errors.append(f"fields: has {len(raw_fields)} entries; the limit is {MAX_FIELDS}")
    else:
        for index, raw in enumerate(raw_fields):
            field = _parse_field(errors, f"fields[{index}]", raw)
            if field is not None:
                fields.append(field)
        kinds = {
            raw.get("type")
            for raw in raw_fields
            if isinstance(raw, Mapping) and isinstance(raw.get("type"), str)
        }
        if "participant_name" not in kinds:
            errors.append(
                "fields: has no participant_name field; add one so that the "
                "certificate names its holder"
            )

    if errors:
        raise LayoutError(errors)
    return Layout(fields=tuple(fields))


# --- storage ---------------------------------------------------------------------------


def layout_to_dict(layout: Layout) -> dict[str, Any]:
    """The layout as plain JSON data with every default spelled out."""
    fields: list[dict[str, Any]] = []
    for field in layout.fields:
        if isinstance(field, QRField | ImageField):
            fields.append({"type": field.type, "x": field.x, "y": field.y, "size": field.size})
            if isinstance(field, ImageField) and field.signer != 1:
                fields[-1]["signer"] = field.signer
            continue
        item: dict[str, Any] = {
            "type": field.type,
            "x": field.x,
            "y": field.y,
            "font": field.font,
            "weight": field.weight,
            "size": field.size,
            "color": field.color,
            "align": field.align,
        }
        if field.max_width is not None:
            item["max_width"] = field.max_width
        item["max_lines"] = field.max_lines
        if field.type == "text":
            item["text"] = field.text
        fields.append(item)
    return {"version": layout.version, "fields": fields}


def layout_to_json(layout: Layout) -> str:
    """Canonical JSON for storage: sorted keys, compact, defaults spelled out, UTF-8."""
    return json.dumps(
        layout_to_dict(layout), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


# --- placeholders ----------------------------------------------------------------------


def unknown_placeholders(layout: Layout, custom: list[str] | tuple[str, ...]) -> list[str]:
    """One message per placeholder that is neither built in nor one of `custom` (the
    event's fields and the placeholders of its organizer's signatures 2 and up)."""
    known = (*BUILT_IN_PLACEHOLDERS, *custom)
    errors = []
    for index, field in enumerate(layout.fields):
        if not isinstance(field, TextField) or field.text is None:
            continue
        for name in dict.fromkeys(PLACEHOLDER.findall(field.text)):
            if name not in known:
                errors.append(
                    f"fields[{index}].text: {{{name}}} is not a field of this event; "
                    f"use one of {', '.join('{' + k + '}' for k in known)}"
                )
    return errors


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """The text with each placeholder replaced by its value (empty when the participant
    has none)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)


# --- the built-in layout (matches default_background) ---------------------------------

_INK = "#1f2a44"
_SOFT = "#5a6275"

DEFAULT_LAYOUT = Layout(
    fields=(
        # The heading is a field, not part of the built-in image, so that a custom
        # background keeps it (or the organizer edits or removes it).
        TextField(
            "text",
            0.5,
            0.255,
            font="serif",
            weight="bold",
            size=0.055,
            color=_INK,
            max_width=0.76,
            text="CERTIFICATE OF ATTENDANCE",
        ),
        TextField("text", 0.5, 0.405, size=0.03, color=_SOFT, text="This certifies that"),
        TextField(
            "participant_name",
            0.5,
            0.5,
            font="serif",
            weight="bold",
            size=0.085,
            color=_INK,
            max_width=0.7,
        ),
        TextField("text", 0.5, 0.6, size=0.03, color=_SOFT, text="attended"),
        TextField(
            "event_title",
            0.5,
            0.68,
            font="serif",
            weight="bold",
            size=0.048,
            color=_INK,
            max_width=0.56,
            max_lines=2,
        ),
        TextField("event_date", 0.5, 0.78, size=0.032, color=_SOFT, max_width=0.5),
        QRField(0.855, 0.765, size=0.17),
        TextField("certificate_code", 0.855, 0.875, size=0.021, color=_SOFT, max_width=0.16),
    )
)
