#!/usr/bin/env bash
# Tools for tests/browser: Debian's Chromium (Playwright drives it through
# executable_path; no browser download) and axe-core from npm, pinned in
# tests/browser/tools/ and installed into .ci/tools/browser. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/lib.sh

if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version 2>/dev/null

npm_tools .ci/tools/browser tests/browser/tools ci
echo "axe-core $(node -p 'require("./.ci/tools/browser/node_modules/axe-core/package.json").version')"
