"""The designs an organizer can start from, drawn for the built-in background (and
any background of its proportions). Each is looked at in docs/designs/*.png."""

from __future__ import annotations

from dataclasses import dataclass

from app.certificates.rendering.layout import (
    DEFAULT_LAYOUT,
    ImageField,
    Layout,
    QRField,
    TextField,
)

_INK = "#1f2a44"
_SOFT = "#5a6275"


@dataclass(frozen=True)
class BuiltIn:
    key: str
    name: str
    description: str
    layout: Layout


_MODERN = Layout(
    fields=(
        TextField(
            "text", 0.5, 0.255, font="sans", weight="bold", size=0.05, color=_INK,
            max_width=0.7, text="Certificate of Attendance",
        ),
        TextField("text", 0.5, 0.405, size=0.028, color=_SOFT, text="awarded to"),
        TextField(
            "participant_name", 0.5, 0.495, font="sans", weight="bold", size=0.08,
            color=_INK, max_width=0.7,
        ),
        TextField("text", 0.5, 0.61, size=0.028, color=_SOFT, text="for taking part in"),
        TextField(
            "event_title", 0.5, 0.675, font="sans", weight="bold", size=0.042, color=_INK,
            max_width=0.56, max_lines=2,
        ),
        TextField("event_date", 0.5, 0.75, size=0.028, color=_SOFT, max_width=0.5),
        TextField(
            "text", 0.5, 0.84, size=0.024, color=_SOFT, max_width=0.5,
            text="Issued by {issuer}",
        ),
        QRField(0.855, 0.765, size=0.17),
        TextField("certificate_code", 0.855, 0.875, size=0.021, color=_SOFT, max_width=0.16),
    )
)  # fmt: skip

_BRANDED = Layout(
    fields=(
        ImageField("logo", 0.16, 0.17, size=0.11),
        *DEFAULT_LAYOUT.fields[:4],
        TextField(
            "event_title", 0.5, 0.665, font="serif", weight="bold", size=0.046, color=_INK,
            max_width=0.56, max_lines=2,
        ),
        TextField("event_date", 0.5, 0.745, size=0.03, color=_SOFT, max_width=0.5),
        ImageField("signature", 0.5, 0.83, size=0.075),
        TextField(
            "text", 0.5, 0.89, weight="bold", size=0.024, color=_INK, max_width=0.4,
            text="{signer_name}",
        ),
        TextField(
            "text", 0.5, 0.925, size=0.019, color=_SOFT, max_width=0.4,
            text="{signer_title}",
        ),
        *DEFAULT_LAYOUT.fields[-2:],
    )
)  # fmt: skip

BUILT_IN = {
    design.key: design
    for design in (
        BuiltIn("classic", "Classic", "Centred serif text: Laurel's own layout.", DEFAULT_LAYOUT),
        BuiltIn("modern", "Modern", "Sans-serif text, with who issued it.", _MODERN),
        BuiltIn(
            "branded",
            "Branded",
            "Classic with your logo, and your signature, name and title under the date.",
            _BRANDED,
        ),
    )
}
