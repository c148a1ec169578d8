#!/usr/bin/env bash
# Debian tools the tests call: pdftoppm (poppler-utils) to rasterise PDFs.
set -euo pipefail
if ! command -v pdftoppm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi
echo "pdftoppm: $(command -v pdftoppm)"
