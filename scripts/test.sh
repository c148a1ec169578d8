#!/usr/bin/env bash
# Run the whole test suite. Set TEST_DATABASE_URL to run every test on
# PostgreSQL too (.ci/run does); extra arguments go to pytest.
source "$(dirname "$0")/venv.sh"
ensure_venv requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
