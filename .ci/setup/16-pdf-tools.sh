#!/usr/bin/env bash
# Debian tools the PDF tests read certificates with: qpdf (--check), poppler-utils
# (pdftotext, pdffonts, pdfinfo, pdftoppm). Fonts come with the repository.
set -euo pipefail
if ! command -v qpdf >/dev/null || ! command -v pdffonts >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qpdf poppler-utils >/dev/null
fi
echo "qpdf: $(qpdf --version | head -1)"
