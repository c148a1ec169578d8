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
source .ci/lib.sh

# --- Python linters ----------------------------------------------------------
python=""
for candidate in ${PYTHON:-} python3.12 python3.13 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
done
[ -n "$python" ] || { echo "30-containers: no python3 found" >&2; exit 1; }
venv_tools "$TOOLS/venv" "$python" "$(digest "$PINS/requirements.txt")" -r "$PINS/requirements.txt"
"$TOOLS/venv/bin/hadolint" --version
"$TOOLS/venv/bin/check-jsonschema" --version

# --- TypeScript and the railway SDK ------------------------------------------
npm_tools "$TOOLS/node" "$PINS" ci
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
