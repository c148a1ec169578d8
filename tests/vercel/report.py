"""Numbers the Vercel tests measure, printed at the end of the pytest run."""

from __future__ import annotations

RESULTS: dict[str, str] = {}


def record(name: str, value: str) -> None:
    RESULTS[name] = value
    print(f"[vercel] {name}: {value}")
