"""Vercel must find api/index.py, and nothing else, as the entrypoint.

@vercel/python tries `<dir>/<name>.py` for each dir in PYTHON_ENTRYPOINT_DIRS
and each name in PYTHON_ENTRYPOINT_FILENAMES, in that order, and takes the
first file that defines a top-level `app`, `application` or `handler`. The
lists are read from the installed package (the blueprint's copy is the
fallback when the CLI is not installed outside CI), and no candidate other
than api/index.py may exist at all: a file that does not define `app` today
may tomorrow.
"""

from __future__ import annotations

import ast
import posixpath

import pytest

from tests.vercel import support
from tests.vercel.support import REPO

ENTRYPOINT = "api/index.py"
BLUEPRINT_NAMES = ["app", "index", "server", "main", "wsgi", "asgi"]
BLUEPRINT_DIRS = ["", "src", "app", "api"]


@pytest.fixture(scope="module")
def candidates() -> list[str]:
    try:
        names = support.builder_string_list("PYTHON_ENTRYPOINT_FILENAMES")
        dirs = support.builder_string_list("PYTHON_ENTRYPOINT_DIRS")
    except pytest.skip.Exception:
        names, dirs = BLUEPRINT_NAMES, BLUEPRINT_DIRS
    return [posixpath.join(d, f"{name}.py") for d in dirs for name in names]


def test_the_package_still_searches_where_the_blueprint_says() -> None:
    assert support.builder_string_list("PYTHON_ENTRYPOINT_FILENAMES") == BLUEPRINT_NAMES
    assert support.builder_string_list("PYTHON_ENTRYPOINT_DIRS") == BLUEPRINT_DIRS


def test_api_index_is_the_only_candidate(candidates: list[str]) -> None:
    assert ENTRYPOINT in candidates
    present = [path for path in candidates if (REPO / path).exists()]
    assert present == [ENTRYPOINT], (
        f"Vercel would take {present[0]} as the entrypoint"
        if present and present[0] != ENTRYPOINT
        else f"entrypoint candidates present: {present}"
    ) + f"; keep these names out of the root, src/ and app/: {candidates}"


def test_api_holds_only_the_entrypoint() -> None:
    files = sorted(
        str(p.relative_to(REPO))
        for p in (REPO / "api").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert files == [ENTRYPOINT], "every file in api/ becomes a function on Vercel"


def test_api_index_exposes_a_top_level_wsgi_app() -> None:
    tree = ast.parse((REPO / ENTRYPOINT).read_text())
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "app" in assigned
    assert not assigned & {"application", "handler"}, "one callable, named app"
