"""Read the Dockerfile the way the tests need it: the final stage's ENV,
ENTRYPOINT, CMD, HEALTHCHECK, USER, WORKDIR, EXPOSE, COPY and ARG lines.

Small on purpose: it understands the instructions and forms this repository's
Dockerfile uses (line continuations, exec-form JSON, `ENV k=v k2="v 2"`,
`${VAR}` in ENV values) and raises on anything else, so that a change the
tests cannot follow fails loudly instead of being misread.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
# The official python images' own ENV, which the Dockerfile's ENV may extend.
BASE_IMAGE_ENV = {"PATH": "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class Stage:
    base: str
    name: str | None
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    healthcheck_options: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    workdir: str = "/"
    expose: list[str] = field(default_factory=list)
    copies: list[tuple[list[str], str, dict[str, str]]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    @property
    def command(self) -> list[str]:
        """What `docker run IMAGE` executes: ENTRYPOINT followed by CMD."""
        return [*self.entrypoint, *self.cmd]


@dataclass
class Dockerfile:
    args: dict[str, str]
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped, continuations joined."""
    result: list[tuple[str, str]] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, rest = buffer.strip().partition(" ")
        result.append((keyword.upper(), rest.strip()))
        buffer = ""
    if buffer:
        raise ValueError("Dockerfile ends inside a continued instruction")
    return result


def _expand(value: str, variables: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise ValueError(f"Dockerfile refers to ${name}, which is not defined before use")
        return variables[name]

    return _VARIABLE.sub(replace, value)


def _exec_form(instruction: str, arguments: str) -> list[str]:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        raise ValueError(f"{instruction} must use the exec (JSON) form: {arguments}") from None
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise ValueError(f"{instruction} must be a JSON list of strings: {arguments}")
    return value


def _options(arguments: str) -> tuple[dict[str, str], str]:
    """Split leading --flag=value options from the rest."""
    options: dict[str, str] = {}
    rest = arguments
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        key, _, value = option[2:].partition("=")
        options[key] = value
        rest = rest.lstrip()
    return options, rest


def parse(path: Path = DOCKERFILE, base_env: dict[str, str] | None = None) -> Dockerfile:
    """Parse the Dockerfile; `base_env` stands for the base image's own ENV
    (PATH, for example) when a value refers to it."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    base_env = BASE_IMAGE_ENV if base_env is None else base_env
    for keyword, arguments in instructions(path.read_text()):
        if keyword == "ARG":
            name, _, default = arguments.partition("=")
            if stages:
                continue  # a stage's ARG re-declares a global one
            args[name] = default
        elif keyword == "FROM":
            parts = arguments.split()
            base = _expand(parts[0], args)
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name, env=dict(base_env)))
        elif not stages:
            raise ValueError(f"{keyword} before the first FROM")
        else:
            stage = stages[-1]
            if keyword == "ENV":
                for item in shlex.split(arguments):
                    key, equals, value = item.partition("=")
                    if not equals:
                        raise ValueError(f"use ENV key=value, not the legacy form: {arguments}")
                    stage.env[key] = _expand(value, {**args, **stage.env})
            elif keyword == "ENTRYPOINT":
                stage.entrypoint = _exec_form(keyword, arguments)
                stage.cmd = []  # Docker resets CMD when ENTRYPOINT is set
            elif keyword == "CMD":
                stage.cmd = _exec_form(keyword, arguments)
            elif keyword == "HEALTHCHECK":
                options, rest = _options(arguments)
                command, _, json_part = rest.partition(" ")
                if command.upper() != "CMD":
                    raise ValueError(f"HEALTHCHECK must be CMD [...]: {arguments}")
                stage.healthcheck = _exec_form(keyword, json_part)
                stage.healthcheck_options = options
            elif keyword == "USER":
                stage.user = arguments
            elif keyword == "WORKDIR":
                stage.workdir = arguments
            elif keyword == "EXPOSE":
                stage.expose += arguments.split()
            elif keyword == "COPY":
                options, rest = _options(arguments)
                parts = rest.split()
                stage.copies.append((parts[:-1], parts[-1], options))
            elif keyword == "RUN":
                stage.runs.append(arguments)
            elif keyword in {"LABEL", "STOPSIGNAL", "SHELL", "VOLUME", "ONBUILD", "ADD"}:
                raise ValueError(f"the container tests do not know {keyword} yet: teach them")
            else:
                raise ValueError(f"unknown Dockerfile instruction {keyword}")
    if not stages:
        raise ValueError("no FROM in the Dockerfile")
    return Dockerfile(args=args, stages=stages)
