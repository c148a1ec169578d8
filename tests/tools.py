"""What a test needs from the machine: outside CI a missing tool skips the
test with the reason; in CI (CI=true) it fails, because CI must run it."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def need_program(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} not found (install {package})")
    return path
