#!/usr/bin/env bash
# Installs everything the tests need, starts a throw-away PostgreSQL cluster on a
# free loopback port, and runs the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    su postgres -c "$pg_bin/pg_ctl -D $pg_dir/data -m fast stop" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
if [ -z "${EFFIPIA_TEST_POSTGRES_URL:-}" ] && [ -n "$pg_bin" ] && [ "$(id -u)" = 0 ]; then
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_dir=$(mktemp -d /tmp/effipia-pg.XXXXXX)
  chown postgres "$pg_dir"
  su postgres -c "$pg_bin/initdb -D $pg_dir/data -A trust -U postgres -E UTF8 >/dev/null && \
    $pg_bin/pg_ctl -D $pg_dir/data -o '-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off' -l $pg_dir/log -w start >/dev/null"
  export EFFIPIA_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
fi

# In CI nothing may be skipped for lack of a service: the conftest turns such skips into failures.
if [ "${CI:-}" = "true" ]; then export EFFIPIA_REQUIRE_SERVICES=1; fi
.venv/bin/python -m pytest -n 2 "$@"
