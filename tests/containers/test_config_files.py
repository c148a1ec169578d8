"""The deployment files, checked by real linters and schemas, and against each
other. Each check also runs on a deliberately broken copy, which must fail:
a linter that passes everything proves nothing.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from tests.containers.conftest import TOOLS, run
from tests.containers.dockerfile import ROOT, parse
from tests.containers.test_gunicorn_conf import load_conf

SCHEMAS = ROOT / "tests" / "schemas"
COMPOSE = ROOT / "docker-compose.yml"
RENDER = ROOT / "render.yaml"
FLY = ROOT / "fly.toml"
WORKFLOW = ROOT / ".github" / "workflows" / "test.yml"
RAILWAY = ROOT / ".railway" / "railway.ts"


def broken_copy(path: Path, tmp_path: Path, old: str, new: str) -> Path:
    """`path` with `old` replaced by `new`, under the same name in tmp_path."""
    text = path.read_text()
    assert old in text, f"the mutation no longer applies to {path.name}: {old!r}"
    copy = tmp_path / path.name
    copy.write_text(text.replace(old, new, 1))
    return copy


def check(result) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


# --- Dockerfile --------------------------------------------------------------------


def hadolint_run(hadolint: Path, dockerfile: Path):
    return run([hadolint, "--no-color", "--failure-threshold", "style", dockerfile])


def test_hadolint_finds_nothing(hadolint):
    result = hadolint_run(hadolint, ROOT / "Dockerfile")
    assert result.returncode == 0 and not result.stdout.strip(), check(result)


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("USER 10001:10001\n", "USER root\n", "DL3002"),
        ("WORKDIR /app\n", "WORKDIR /app\nRUN apt-get install curl\n", "DL3008"),
        ('CMD ["gunicorn", "--config", "gunicorn.conf.py"]', "CMD gunicorn", "DL3025"),
    ],
    ids=["root-user", "unpinned-apt", "shell-form-cmd"],
)
def test_hadolint_fails_a_broken_dockerfile(hadolint, tmp_path, old, new, rule):
    copy = broken_copy(ROOT / "Dockerfile", tmp_path, old, new)
    result = hadolint_run(hadolint, copy)
    assert result.returncode != 0 and rule in result.stdout, check(result)


def test_python_version_agrees_with_dot_python_version():
    wanted = (ROOT / ".python-version").read_text().strip()
    dockerfile = parse()
    assert dockerfile.args["PYTHON_VERSION"] == wanted
    assert {stage.base for stage in dockerfile.stages} == {f"python:{wanted}-slim"}


def test_the_image_runs_as_a_numeric_non_root_user():
    user = parse().final.user
    assert user and re.fullmatch(r"\d+(:\d+)?", user), user
    assert user.split(":")[0] != "0"


def test_the_image_command_is_gunicorn_in_exec_form():
    stage = parse().final
    assert stage.cmd == ["gunicorn", "--config", "gunicorn.conf.py"], stage.cmd
    assert stage.entrypoint == ["/bin/sh", f"{stage.workdir}/scripts/prestart.sh"]
    assert stage.env["LAUREL_CONTAINER"] == "1" and stage.env["FLASK_APP"] == "app"
    assert stage.expose == [str(load_conf({})["bind"][0].rsplit(":", 1)[1])]


def test_the_healthcheck_uses_python_not_curl():
    stage = parse().final
    assert stage.healthcheck[0] == "python", stage.healthcheck
    assert "/healthz" in stage.healthcheck[-1] and "curl" not in " ".join(stage.healthcheck)


def test_the_image_installs_production_dependencies_only():
    runs = " ".join(" ".join(s.runs) for s in parse().stages)
    assert "requirements.txt" in runs and "requirements-dev" not in runs
    assert "compileall" in runs, "bytecode must be compiled at build time"


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [path, *(path.split("/")[0:1])]
        if any(fnmatch(c, pattern) or fnmatch(c, pattern.removeprefix("**/")) for c in candidates):
            result = not negate
    return result


def test_dockerignore_keeps_local_files_out_and_sources_in():
    patterns = dockerignore_patterns()
    for path in (
        "tests",
        ".git",
        "instance",
        ".venv",
        ".env",
        ".env.production",
        "node_modules",
        ".ci",
        "app/__pycache__",
    ):
        assert ignored(path, patterns), f"{path} would be sent to the builder"
    for stage in parse().stages:
        for sources, _destination, options in stage.copies:
            if "from" in options:
                continue
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
                assert not ignored(source, patterns), f"COPY {source} is in .dockerignore"


def test_the_entrypoint_passes_shellcheck(shellcheck):
    result = run([shellcheck, "--shell=sh", ROOT / "scripts" / "prestart.sh"])
    assert result.returncode == 0, check(result)


def test_the_image_build_scripts_pass_shellcheck(shellcheck):
    images = ROOT / "tests" / "containers" / "images"
    scripts = [*images.glob("*.sh"), images / "standins" / "postgres" / "docker-entrypoint.sh"]
    result = run(
        [shellcheck, "--external-sources", *scripts, ROOT / ".ci" / "setup" / "40-images.sh"]
    )
    assert result.returncode == 0, check(result)


# --- JSON-schema checks ------------------------------------------------------------

SCHEMA_CHECKS: dict[str, tuple[Path, list[str]]] = {
    "compose": (COMPOSE, ["--builtin-schema", "vendor.compose-spec"]),
    "workflow": (WORKFLOW, ["--builtin-schema", "vendor.github-workflows"]),
    "render": (RENDER, ["--schemafile", str(SCHEMAS / "render.schema.json")]),
    "fly": (FLY, ["--schemafile", str(SCHEMAS / "fly.schema.json")]),
}

# (file, old, new): each must make the file invalid.
BREAKAGES = [
    ("compose", "      interval: 2s\n", "      intervall: 2s\n"),
    ("compose", "condition: service_completed_successfully", "condition: finished"),
    ("workflow", "    runs-on: ubuntu-24.04\n", ""),
    ("workflow", "  pull_request:\n", "  pull_requests:\n"),
    ("render", "    autoDeployTrigger: commit\n", "    autoDeploy: true\n"),
    (
        "render",
        "    runtime: docker\n    dockerfilePath: ./Dockerfile\n    # Pre",
        "    env: docker\n    dockerfilePath: ./Dockerfile\n    # Pre",
    ),
    ("render", "dockerCommand: flask events check", "dockerCommand: flask event check"),
    ("render", "preDeployCommand: flask db upgrade", "preDeployComand: flask db upgrade"),
    ("render", "          property: connectionString\n", "          property: url\n"),
    ("render", "        generateValue: true\n", "        sync: false\n"),
    ("fly", 'kill_signal = "SIGTERM"', 'kill_signal = "SIGINT"'),
    ("fly", 'X-Forwarded-Proto = "https"', 'X-Forwarded-Proto = "http"'),
    ("fly", "internal_port = 8000", "internal_prot = 8000"),
    ("fly", 'release_command = "flask db upgrade"', 'release_command = "flask db migrate"'),
]


def schema_run(check_jsonschema: Path, name: str, path: Path):
    _, options = SCHEMA_CHECKS[name]
    return run([check_jsonschema, *options, path])


@pytest.mark.parametrize("name", sorted(SCHEMA_CHECKS))
def test_file_is_valid(check_jsonschema, name):
    path, _ = SCHEMA_CHECKS[name]
    result = schema_run(check_jsonschema, name, path)
    assert result.returncode == 0, check(result)


@pytest.mark.parametrize(
    ("name", "old", "new"), BREAKAGES, ids=[f"{n}:{new.strip()[:30]}" for n, _, new in BREAKAGES]
)
def test_a_broken_file_is_refused(check_jsonschema, tmp_path, name, old, new):
    path, _ = SCHEMA_CHECKS[name]
    result = schema_run(check_jsonschema, name, broken_copy(path, tmp_path, old, new))
    assert result.returncode != 0, f"{name} accepted {new!r}:\n{check(result)}"


@pytest.mark.parametrize("schema", ["render.schema.json", "fly.schema.json"])
def test_our_schemas_are_valid_json_schemas(check_jsonschema, schema):
    result = run([check_jsonschema, "--check-metaschema", SCHEMAS / schema])
    assert result.returncode == 0, check(result)
    assert "PARTIAL" in json.loads((SCHEMAS / schema).read_text())["$comment"]


# --- the files agree with each other -----------------------------------------------


def graceful_timeout() -> int:
    return load_conf({"LAUREL_CONTAINER": "1"})["graceful_timeout"]


def default_port() -> int:
    return int(load_conf({})["bind"][0].rsplit(":", 1)[1])


def test_fly_agrees_with_the_image():
    fly = tomllib.loads(FLY.read_text())
    stage = parse().final
    assert fly["http_service"]["internal_port"] == int(fly["env"]["PORT"]) == default_port()
    assert fly["kill_timeout"] > graceful_timeout()
    assert shlex.split(fly["processes"]["app"]) == stage.cmd
    assert fly["http_service"]["processes"] == ["app"], "the checker must not get traffic"
    assert fly["build"]["dockerfile"] == "Dockerfile"


def test_fly_checker_loop_runs_the_checker_and_stops_on_sigterm(tmp_path):
    import os
    import signal
    import subprocess
    import time

    fly = tomllib.loads(FLY.read_text())
    command = shlex.split(fly["processes"]["checker"])
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "calls"
    (fake_bin / "flask").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    (fake_bin / "flask").chmod(0o755)
    process = subprocess.Popen(
        command,
        env={"PATH": f"{fake_bin}:/usr/bin:/bin", "CHECKER_INTERVAL_SECONDS": "0.2"},
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(_lines(calls)) < 3:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        code = process.wait(5)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
    assert _lines(calls)[:3] == ["events check"] * 3
    assert code == 0


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_render_agrees_with_itself_and_the_image(load_yaml):
    render = load_yaml(RENDER)
    services = {service["name"]: service for service in render["services"]}
    groups = {group["name"] for group in render.get("envVarGroups", [])}
    databases = {database["name"] for database in render["databases"]}
    web = next(s for s in services.values() if s["type"] == "web")
    assert web["maxShutdownDelaySeconds"] > graceful_timeout()
    for service in services.values():
        keys = set()
        for variable in service.get("envVars", []):
            if "fromGroup" in variable:
                assert variable["fromGroup"] in groups
                continue
            keys.add(variable["key"])
            if "fromDatabase" in variable:
                assert variable["fromDatabase"]["name"] in databases
            if "fromService" in variable:
                source = services[variable["fromService"]["name"]]
                assert source["type"] == variable["fromService"]["type"]
                source_keys = {v.get("key") for v in source.get("envVars", [])}
                assert variable["fromService"]["envVarKey"] in source_keys, variable
        # Every service that runs the app can reach the database and storage.
        assert {"DATABASE_URL", "STORAGE_URL"} <= keys, (service["name"], keys)
    shared = {v["key"] for g in render["envVarGroups"] for v in g["envVars"]}
    assert {"SECRET_KEY", "CRON_SECRET"} <= shared
    assert all(any(v.get("fromGroup") for v in s["envVars"]) for s in services.values())


def test_compose_wires_the_services(load_yaml):
    compose = load_yaml(COMPOSE)
    services = compose["services"]
    web, migrate = services["web"], services["migrate"]
    assert web["environment"]["CRON_SECRET"] == services["scheduler"]["environment"]["CRON_SECRET"]
    assert migrate["environment"]["RUN_MIGRATIONS_ON_START"] == "true"
    assert migrate["command"][:2] == ["flask", "demo"], "the one-shot seeds the demo data"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["db"]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    assert web["ports"] == [f"{default_port()}:{default_port()}"]
    grace = int(web["stop_grace_period"].rstrip("s"))
    assert grace > graceful_timeout()
    storage_host = re.match(r"https?://([^:/]+)", web["environment"]["S3_ENDPOINT_URL"])[1]
    assert storage_host in services["minio"]["networks"]["default"]["aliases"]
    assert storage_host.endswith(".localhost"), "browsers must reach the same name"
    for name, service in services.items():
        image = service.get("image", "")
        if "build" in service:
            continue
        tag = image.rpartition(":")[2]
        assert ":" in image and tag != "latest" and re.search(r"\d", tag), (name, image)
    assert "/api/cron/check-events" in " ".join(services["scheduler"]["entrypoint"])


def test_the_workflow_runs_the_test_script_against_postgres(load_yaml):
    workflow = load_yaml(WORKFLOW)
    job = workflow["jobs"]["test"]
    assert "postgres" in job["services"]
    assert job["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
    assert any(step.get("run", "").strip() == "bash scripts/test.sh" for step in job["steps"])


# --- every setting is documented ---------------------------------------------------

SETTING_SOURCES = [
    ROOT / "app" / "config.py",
    ROOT / "gunicorn.conf.py",
    ROOT / "app" / "prestart.py",
    ROOT / "scripts" / "prestart.sh",
]
_READ = re.compile(
    r"""(?:env\.get|_env\.get|environ\.get|getenv|_int|_seconds)\(\s*(?:env,\s*)?["']([A-Z][A-Z0-9_]+)["']"""
    r"""|\$\{([A-Z][A-Z0-9_]+)[:}]"""
    r"""|env\[["']([A-Z][A-Z0-9_]+)["']\]"""
    r"""|^\s+"([A-Z][A-Z0-9_]+)",?$""",
    re.MULTILINE,
)


def settings_read() -> set[str]:
    names: set[str] = set()
    for source in SETTING_SOURCES:
        for match in _READ.finditer(source.read_text()):
            names.add(next(group for group in match.groups() if group))
    return names


def test_env_example_documents_every_setting():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    read = settings_read()
    assert {"DATABASE_URL", "SECRET_KEY", "PORT", "RUN_MIGRATIONS_ON_START"} <= read
    missing = sorted(
        read
        - documented
        - {"VERCEL", "RENDER", "RAILWAY_ENVIRONMENT", "RAILWAY_PROJECT_ID", "FLY_APP_NAME"}
    )
    assert not missing, f".env.example does not mention {missing}"


# --- Railway: type-checked against the SDK, then evaluated -------------------------


def tsc_run(node_tools: Path, source: Path, tmp_path: Path):
    sdk = node_tools / "node_modules" / "railway" / "dist" / "iac" / "index.d.ts"
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "noUnusedLocals": True,
            "target": "es2022",
            "module": "nodenext",
            "moduleResolution": "nodenext",
            "types": [],
            "paths": {"railway/iac": [str(sdk)]},
        },
        "files": [str(source)],
    }
    tsconfig = tmp_path / "tsconfig.json"
    tsconfig.write_text(json.dumps(config))
    return run([node_tools / "node_modules" / ".bin" / "tsc", "-p", tsconfig])


def test_railway_config_type_checks(node_tools, tmp_path):
    result = tsc_run(node_tools, RAILWAY, tmp_path)
    assert result.returncode == 0, check(result)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('healthcheck: "/healthz"', 'healthCheck: "/healthz"'),
        ("cronSchedule:", "cronSchedual:"),
        ('restartPolicyType: "NEVER"', 'restartPolicyType: "SOMETIMES"'),
        ('builder: "DOCKERFILE"', 'builder: "DOCKER"'),
    ],
    ids=["healthCheck", "cronSchedual", "restart-policy", "builder"],
)
def test_railway_config_typos_fail_the_type_check(node_tools, tmp_path, old, new):
    result = tsc_run(node_tools, broken_copy(RAILWAY, tmp_path, old, new), tmp_path)
    assert result.returncode != 0, f"tsc accepted {new!r}"


def railway_project(node_tools: Path, source: Path = RAILWAY) -> dict:
    """What the Railway CLI would plan from railway.ts: run its program with
    the SDK (no network) and return the project definition."""
    scratch = node_tools / "scratch"
    scratch.mkdir(exist_ok=True)
    (scratch / "railway.ts").write_text(source.read_text())
    (scratch / "evaluate.mts").write_text(
        'import { createRailwayContext, project } from "railway/iac";\n'
        'const mod = await import("./railway.ts");\n'
        "const ctx = createRailwayContext({ environment: 'production' });\n"
        "process.stdout.write(JSON.stringify(await mod.default(ctx, project)));\n"
    )
    result = run([node_tools / "node_modules" / ".bin" / "tsx", scratch / "evaluate.mts"])
    assert result.returncode == 0, check(result)
    return json.loads(result.stdout)


def test_railway_project_deploys_the_dockerfile_with_migrations_and_cron(node_tools):
    definition = railway_project(node_tools)
    resources = {resource["address"]: resource for resource in definition["resources"]}
    services = [r for r in resources.values() if r["type"] == "service"]
    web = next(s for s in services if s["deploy"].get("healthcheckPath"))
    cron = next(s for s in services if s["deploy"].get("cronSchedule"))
    stage = parse().final

    for service in (web, cron):
        assert service["build"] == {"builder": "DOCKERFILE", "dockerfilePath": "Dockerfile"}
        variables = service["variables"]
        database = variables["DATABASE_URL"]
        assert database["type"] == "reference" and database["resource"] in resources
        assert resources[database["resource"]]["engine"] == "postgres"
        bucket = variables["BUCKET_NAME"]
        assert resources[bucket["resource"]]["type"] == "bucket"

    assert web["deploy"]["preDeployCommand"] == ["flask db upgrade"]
    assert web["deploy"]["healthcheckPath"] == "/healthz"
    assert web["deploy"]["drainingSeconds"] > graceful_timeout()
    assert "startCommand" not in web["deploy"], "the web service runs the image's CMD"
    assert web["variables"]["SECRET_KEY"]["value"]["generator"].startswith("secret(")

    assert cron["deploy"]["startCommand"] == "flask events check"
    assert cron["deploy"]["restartPolicyType"] == "NEVER"
    minute = cron["deploy"]["cronSchedule"].split()[0]
    assert minute.startswith("*/") and int(minute[2:]) >= 5, "Railway runs crons 5 min apart"
    for shared in ("SECRET_KEY", "CRON_SECRET"):
        assert cron["variables"][shared] == {
            "type": "reference",
            "resource": web["address"],
            "output": shared,
        }
    assert stage.cmd  # the web service falls back to it


def test_tools_are_where_the_setup_script_puts_them():
    setup = (ROOT / ".ci" / "setup" / "30-containers.sh").read_text()
    assert ".ci/tools" in setup and str(TOOLS.relative_to(ROOT)) == ".ci/tools"
