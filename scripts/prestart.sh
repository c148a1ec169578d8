#!/bin/sh
# The image's ENTRYPOINT: optionally migrate, then become the given command.
#
#   prestart.sh gunicorn --config gunicorn.conf.py    (the image's CMD)
#   prestart.sh flask events check                   (a cron job's command)
#
# With RUN_MIGRATIONS_ON_START=true it first waits for the database and runs
# the migrations under a PostgreSQL advisory lock (python -m app.prestart), so
# that instances starting together migrate exactly once. Use it where the
# platform has no release phase: docker compose, a plain Docker host. Render,
# Railway and Fly run `flask db upgrade` before each deploy instead, and leave
# it unset. Either way the command is exec'd, so it gets the platform's
# signals (SIGTERM) directly.
set -eu

case "$(printf '%s' "${RUN_MIGRATIONS_ON_START:-false}" | tr '[:upper:]' '[:lower:]')" in
  1 | true | yes | on)
    python -m app.prestart
    ;;
esac

if [ "$#" -eq 0 ]; then
  set -- gunicorn --config gunicorn.conf.py
fi
exec "$@"
