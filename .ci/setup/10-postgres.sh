#!/usr/bin/env bash
# A PostgreSQL server for the tests: the machine's own at 127.0.0.1:5432 when
# it answers (trust auth, database `test`), else a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
URL="postgresql://postgres@127.0.0.1:5432/test"

answers() { pg_isready -q -h 127.0.0.1 -p "$1" 2>/dev/null; }

if command -v pg_isready >/dev/null && answers 5432; then
  echo "$URL" > .ci/.database-url; echo "PostgreSQL answers at 5432"; exit 0
fi
if ls /etc/postgresql/*/main >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 20); do answers 5432 && break; sleep 0.5; done
  if answers 5432; then echo "$URL" > .ci/.database-url; exit 0; fi
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
DATA="$(mktemp -d /tmp/laurel-pg.XXXXXX)"
PORT=55432
chown postgres "$DATA"
su postgres -c "$BIN/initdb -D $DATA -A trust -U postgres" >/dev/null
su postgres -c "$BIN/pg_ctl -D $DATA -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1' -l $DATA/log -w start" >/dev/null
su postgres -c "$BIN/createdb -h 127.0.0.1 -p $PORT test"
echo "postgresql://postgres@127.0.0.1:$PORT/test" > .ci/.database-url
echo "started a throwaway PostgreSQL at $PORT"
