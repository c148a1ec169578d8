"""Layouts: validation with messages that name the field, canonical JSON, the default."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.certificates.rendering import (
    DEFAULT_LAYOUT,
    Layout,
    LayoutError,
    QRField,
    TextField,
    fill_placeholders,
    layout_to_dict,
    layout_to_json,
    parse_layout,
    unknown_placeholders,
)

NAME = {"type": "participant_name", "x": 0.5, "y": 0.5}


def errors_of(source) -> list[str]:
    with pytest.raises(LayoutError) as caught:
        parse_layout(source)
    assert caught.value.messages
    assert str(caught.value).startswith("invalid layout: ")
    return caught.value.messages


def with_field(**field) -> dict:
    return {"fields": [NAME, field]}


def test_minimal_layout_gets_defaults():
    layout = parse_layout({"fields": [NAME, {"type": "qr_code", "x": 0.9, "y": 0.8}]})
    assert layout == Layout(fields=(TextField("participant_name", 0.5, 0.5), QRField(0.9, 0.8)))
    name = layout.fields[0]
    assert (name.font, name.weight, name.size, name.color, name.align) == (
        "sans",
        "regular",
        0.04,
        "#222222",
        "center",
    )


def test_full_layout_from_json_text():
    source = json.dumps(
        {
            "version": 1,
            "fields": [
                {
                    "type": "participant_name",
                    "x": 0.1,
                    "y": 0.4,
                    "font": "serif",
                    "weight": "bold",
                    "size": 0.07,
                    "color": "#ABC",
                    "align": "left",
                    "max_width": 0.6,
                },
                {"type": "text", "text": "  has   attended ", "x": 0.5, "y": 0.6},
                {"type": "event_date", "x": 1, "y": 0, "align": "right", "max_width": None},
            ],
        }
    )
    layout = parse_layout(source)
    name, text, date = layout.fields
    assert name.color == "#aabbcc" and name.align == "left" and name.max_width == 0.6
    assert text.text == "has attended"
    assert date.x == 1.0 and isinstance(date.x, float) and date.max_width is None
    assert parse_layout(source.encode()) == layout


def test_canonical_json_round_trips():
    for layout in (DEFAULT_LAYOUT, parse_layout({"fields": [NAME]})):
        stored = layout_to_json(layout)
        assert parse_layout(stored) == layout
        assert stored == layout_to_json(parse_layout(json.loads(stored)))
        assert json.dumps(json.loads(stored), sort_keys=True, separators=(",", ":")) == stored
    assert layout_to_dict(parse_layout({"fields": [NAME]})) == {
        "version": 1,
        "fields": [
            {
                "type": "participant_name",
                "x": 0.5,
                "y": 0.5,
                "font": "sans",
                "weight": "regular",
                "size": 0.04,
                "color": "#222222",
                "align": "center",
                "max_lines": 1,
            }
        ],
    }


def test_default_layout_is_valid_and_complete():
    assert parse_layout(layout_to_dict(DEFAULT_LAYOUT)) == DEFAULT_LAYOUT
    kinds = {field.type for field in DEFAULT_LAYOUT.fields}
    assert {"participant_name", "event_title", "event_date", "certificate_code", "qr_code"} <= kinds


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ({"colour": "#000"}, 'fields[1].colour: unknown key (did you mean "color"?)'),
        ({"x": 1.5}, "fields[1].x: 1.5 is out of range; use a number from 0 to 1"),
        ({"y": -0.1}, "fields[1].y: -0.1 is out of range"),
        ({"font": "comic"}, 'fields[1].font: "comic" is not one of sans, serif'),
        ({"weight": "heavy"}, 'fields[1].weight: "heavy" is not one of regular, bold'),
        ({"align": "middle"}, 'fields[1].align: "middle" is not one of left, center, right'),
        ({"color": "red!"}, 'fields[1].color: "red!" is not a colour; use #rrggbb'),
        ({"color": "#12345"}, 'fields[1].color: "#12345" is not a colour'),
        ({"color": 255}, 'fields[1].color: expected a string like "#1f2a44", got number 255'),
        ({"size": "big"}, 'fields[1].size: expected a number from 0.005 to 0.5, got string "big"'),
        ({"size": 3}, "fields[1].size: 3 is out of range"),
        ({"x": True}, "fields[1].x: expected a number from 0 to 1, got boolean true"),
        ({"x": None}, "fields[1].x: expected a number from 0 to 1, got null"),
        ({"max_width": 0}, "fields[1].max_width: must be greater than 0"),
        ({"max_width": 2}, "fields[1].max_width: 2 is out of range"),
        ({"max_lines": 4}, "fields[1].max_lines: expected 1, 2 or 3, got number 4"),
        ({"max_lines": "2"}, 'fields[1].max_lines: expected 1, 2 or 3, got string "2"'),
        ({"max_lines": 1.5}, "fields[1].max_lines: expected 1, 2 or 3, got number 1.5"),
    ],
)
def test_bad_field_values_name_the_field(field, expected):
    raw = {"type": "event_title", "x": 0.5, "y": 0.5} | field
    messages = errors_of(with_field(**raw))
    assert any(m.startswith(expected) for m in messages), messages


def test_bad_types_and_text_fields():
    assert errors_of(with_field(type="stamp", x=0.5, y=0.5)) == [
        'fields[1].type: "stamp" is not one of participant_name, event_title, event_date, '
        "certificate_code, text, qr_code, logo, signature"
    ]
    assert errors_of(with_field(x=0.5, y=0.5)) == [
        "fields[1].type: missing; use one of participant_name, event_title, event_date, "
        "certificate_code, text, qr_code, logo, signature"
    ]
    assert errors_of(with_field(type="logo", x=0.5, y=0.5, size=0.9, color="#000")) == [
        "fields[1].color: unknown key; allowed keys: type, x, y, size",
        "fields[1].size: 0.9 is out of range; use a number from 0.02 to 0.6",
    ]
    assert errors_of(with_field(type="text", x=0.5, y=0.5)) == [
        "fields[1].text: missing (required for text)"
    ]
    assert errors_of(with_field(type="text", text="   ", x=0.5, y=0.5)) == [
        "fields[1].text: must not be empty"
    ]
    assert errors_of(with_field(type="event_title", text="x", x=0.5, y=0.5))[0].startswith(
        "fields[1].text: unknown key"
    )
    messages = errors_of(with_field(type="text", text="证书 \x07", x=0.5, y=0.5))
    # CJK draws now; the control character is refused, by name.
    assert messages == [
        "fields[1].text: holds control characters or lone surrogates (U+0007); remove them"
    ]
    assert errors_of(with_field(type="qr_code", x=0.5, y=0.5, color="#000"))[0].startswith(
        "fields[1].color: unknown key; allowed keys: type, x, y, size"
    )
    assert errors_of(with_field(type="qr_code", x=0.5, y=0.5, size=0.01)) == [
        "fields[1].size: 0.01 is out of range; use a number from 0.05 to 0.9"
    ]
    assert errors_of({"fields": [NAME, "oops"]}) == [
        'fields[1]: expected an object, got string "oops"'
    ]


def test_every_problem_is_reported_at_once():
    messages = errors_of(
        {
            "fields": [
                {"type": "participant_name", "x": 2, "y": 0.5, "color": "blue", "font": "x"},
                {"type": "qr_code", "y": 0.5, "size": 0.2},
            ],
            "colours": [],
        }
    )
    assert sorted(m.split(":")[0] for m in messages) == [
        "colours",
        "fields[0].color",
        "fields[0].font",
        "fields[0].x",
        "fields[1].x",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{not json", "layout: not valid JSON (Expecting property name"),
        ("[]", "layout: expected a JSON object with a fields array, got array"),
        (b"\xff\xfe", "layout: is not UTF-8 text"),
        ('{"fields": [], "fields": []}', 'layout: the key "fields" appears twice'),
        ("{}", "fields: missing; give an array of fields"),
        ('{"fields": {}}', "fields: expected an array, got object"),
        ('{"fields": []}', "fields: is empty"),
        ('{"fields": [], "version": 2}', "version: 2 is not supported; use 1"),
        (
            '{"fields": [{"type": "event_title", "x": 0.5, "y": 0.5}]}',
            "fields: has no participant_name field",
        ),
    ],
)
def test_bad_documents(source, expected):
    messages = errors_of(source)
    assert any(m.startswith(expected) for m in messages), messages


def test_too_many_fields():
    assert errors_of({"fields": [NAME] * 51}) == ["fields: has 51 entries; the limit is 50"]


def test_layouts_are_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_LAYOUT.fields[0].x = 0.1  # type: ignore[misc]


def test_validating_layouts_and_names_does_not_load_pillow():
    code = (
        "import sys\n"
        "import app.certificates\n"
        "assert 'PIL' not in sys.modules, 'app.certificates imported PIL'\n"
        "from app.certificates.rendering import parse_layout, undrawable, DEFAULT_LAYOUT\n"
        "from app.certificates.rendering import layout_to_json\n"
        "parse_layout(layout_to_json(DEFAULT_LAYOUT))\n"
        "assert undrawable('Ελένη') == []\n"
        "assert 'PIL' not in sys.modules and 'segno' not in sys.modules\n"
        "from app.certificates.rendering import render_png\n"
        "assert 'PIL' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_repo_root())


def _repo_root() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2])


def test_public_names():
    import app.certificates.rendering as rendering

    assert sorted(rendering.__all__) == sorted(rendering._EXPORTS)
    for name in rendering.__all__:
        assert getattr(rendering, name) is not None
    with pytest.raises(AttributeError):
        rendering.nope  # noqa: B018


def test_placeholders_are_checked_against_the_event_fields():
    layout = parse_layout(
        with_field(type="text", text="{name}, {role} for {hours} h {Role} { } {x", x=0.5, y=0.5)
    )
    assert unknown_placeholders(layout, ["role", "hours"]) == []
    assert unknown_placeholders(layout, ["role"]) == [
        "fields[1].text: {hours} is not a field of this event; use one of {name}, {event}, "
        "{date}, {code}, {issuer}, {signer_name}, {signer_title}, {role}"
    ]
    text = layout.fields[1].text
    assert fill_placeholders(text, {"name": "Ada", "role": "Speaker"}) == (
        "Ada, Speaker for  h {Role} { } {x"
    )


def test_image_fields_round_trip():
    layout = parse_layout(with_field(type="signature", x=0.2, y=0.8))
    assert layout_to_dict(layout)["fields"][1] == {
        "type": "signature",
        "x": 0.2,
        "y": 0.8,
        "size": 0.12,
    }


def test_a_signature_field_names_which_signature_it_shows():
    third = parse_layout(with_field(type="signature", x=0.2, y=0.8, signer=3))
    assert third.fields[1].image == "signature_3"
    assert layout_to_dict(third)["fields"][1]["signer"] == 3
    # Signature 1 is the default, left out: layouts from before keep their exact JSON.
    first = parse_layout(with_field(type="signature", x=0.2, y=0.8, signer=1))
    assert first.fields[1].image == "signature"
    assert "signer" not in layout_to_dict(first)["fields"][1]
    for bad, shown in (
        (0, "number 0"),
        (5, "number 5"),
        (True, "boolean true"),
        ("2", 'string "2"'),
    ):
        assert errors_of(with_field(type="signature", x=0.2, y=0.8, signer=bad)) == [
            f"fields[1].signer: expected a signature number from 1 to 4, got {shown}"
        ]
    assert errors_of(with_field(type="logo", x=0.2, y=0.8, signer=2))[0].startswith(
        "fields[1].signer: unknown key"
    )
