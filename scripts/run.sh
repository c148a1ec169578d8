#!/usr/bin/env bash
# Run Laurel locally: SQLite and a storage folder under instance/, a demo
# organizer and events, served on http://127.0.0.1:5000.
source "$(dirname "$0")/venv.sh"
ensure_venv requirements.txt
.venv/bin/flask db upgrade
.venv/bin/flask demo seed
# Issue the ended demo event's certificates and email them into the local outbox (/outbox).
BASE_URL="${BASE_URL:-http://127.0.0.1:${PORT:-5000}}" .venv/bin/flask events check || true
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}" --debug
