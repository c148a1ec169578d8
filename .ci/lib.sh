# shellcheck shell=bash
# Sourced by the .ci/setup steps: install a pinned set of tools into a folder
# under .ci/tools, again only when its pins change (a stamp holds their digest).

stamp_ok() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }

# npm_tools TARGET PINS_DIR NPM_COMMAND: the package.json and package-lock.json
# of PINS_DIR installed into TARGET by `npm NPM_COMMAND` (install or ci).
# No install scripts: native binaries come as optional dependencies.
npm_tools() {
  local target="$1" pins="$2" command="$3" sum
  sum="$(digest "$pins/package.json" "$pins/package-lock.json")"
  stamp_ok "$target/.installed" "$sum" && return 0
  command -v npm >/dev/null || { echo "npm not found (Node 20+ needed)" >&2; return 1; }
  rm -rf "$target"
  mkdir -p "$target"
  cp "$pins/package.json" "$pins/package-lock.json" "$target/"
  (cd "$target" && npm "$command" --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$sum" > "$target/.installed"
}

# venv_tools TARGET PYTHON STAMP PIP_ARGS...: a virtual environment made by
# PYTHON with `pip install PIP_ARGS...`, rebuilt when STAMP changes.
venv_tools() {
  local target="$1" python="$2" stamp="$3"
  shift 3
  stamp_ok "$target/.installed" "$stamp" && return 0
  rm -rf "$target"
  "$python" -m venv "$target"
  "$target/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  echo "$stamp" > "$target/.installed"
}
