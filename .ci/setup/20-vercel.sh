#!/usr/bin/env bash
# Tools for tests/vercel and bench/: the Vercel CLI (npm, pinned with its lock
# file in tests/vercel/tools/) in .ci/tools/vercel-cli, and, in the Python 3.12
# venv .ci/tools/vc-venv, the `vercel-runtime` that the installed @vercel/python
# pins (VERCEL_RUNTIME_VERSION) plus the `uv` it builds with (UV_VERSION).
# Both versions are read from @vercel/python itself, so they move with the CLI.
# Each part is reinstalled only when its pins change. Idempotent, runs as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
PINS=tests/vercel/tools
TOOLS=.ci/tools
CLI="$TOOLS/vercel-cli"
VENV="$TOOLS/vc-venv"
mkdir -p "$TOOLS"
source .ci/lib.sh

# --- the Vercel CLI -------------------------------------------------------------
# `npm install` on the lock file, not `npm ci`: the lock can only hold the
# optional native packages the registry serves for this platform, and `npm ci`
# refuses a lock without the others. The lock itself is left unchanged.
npm_tools "$CLI" "$PINS" install
VERCEL_PY="$CLI/node_modules/@vercel/python/dist/index.js"
pinned() { sed -n "s/^var $1 = \"\\([^\"]*\\)\";\$/\\1/p" "$VERCEL_PY" | head -1; }
RUNTIME_VERSION="$(pinned VERCEL_RUNTIME_VERSION)"
UV_VERSION="$(pinned UV_VERSION)"
[ -n "$RUNTIME_VERSION" ] && [ -n "$UV_VERSION" ] || {
  echo "20-vercel: cannot read VERCEL_RUNTIME_VERSION / UV_VERSION from $VERCEL_PY" >&2; exit 1; }

# --- vercel-runtime and uv in a Python 3.12 venv -------------------------------------
find_python312() {
  for candidate in ${VC_PYTHON312:-} python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
                   /usr/local/bin/python3.12 /usr/bin/python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  return 1
}
python="$(find_python312)" || {
  echo "20-vercel: Python 3.12 not found (vercel-runtime and Vercel's python3.12 need it)" >&2
  exit 1; }
venv_tools "$VENV" "$python" "vercel-runtime==$RUNTIME_VERSION uv==$UV_VERSION" \
  "vercel-runtime==$RUNTIME_VERSION" "uv==$UV_VERSION"

echo "vercel $("$CLI/node_modules/.bin/vercel" --version 2>/dev/null | tail -1)" \
     "(@vercel/python $(node -p "require('./$CLI/node_modules/@vercel/python/package.json').version"))"
echo "vercel-runtime $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("vercel-runtime"))')," \
     "$("$VENV/bin/uv" --version), $("$VENV/bin/python" --version)"
