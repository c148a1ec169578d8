"""Every route of the app, with its path parameters filled in, for the sweeps."""

from __future__ import annotations

from werkzeug.routing import Rule

SAMPLE_ARGS = {
    "event_id": None,  # the test's own event
    "participant_id": 1,
    "certificate_id": 1,
    "kind": "pdf",
    "code": "LAU-AAAA-AAAA-AAAA-AAAA",
    "token": "not-a-token",
    "filename": "css/laurel.css",
}


def routes(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def fill(rule: Rule, event_id: int, **overrides: object) -> str:
    """The rule's path with sample values (or `overrides`) for its parameters."""
    values = {
        name: overrides.get(name, SAMPLE_ARGS.get(name)) or event_id for name in rule.arguments
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def methods(rule: Rule) -> list[str]:
    return sorted(m for m in (rule.methods or ()) if m in {"GET", "POST"})
