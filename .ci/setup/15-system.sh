#!/usr/bin/env bash
# Debian tools the tests call: pdftoppm (poppler-utils) to rasterise PDFs, and
# strip (binutils), which the Vercel build command uses as Vercel's image does.
set -euo pipefail
if ! command -v pdftoppm >/dev/null || ! command -v strip >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils binutils >/dev/null
fi
echo "pdftoppm: $(command -v pdftoppm), strip: $(command -v strip)"
