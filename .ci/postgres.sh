# Sourced by .ci/run: a throwaway PostgreSQL server on 127.0.0.1 for the sweep tests whose
# workers share one Optuna study through it. Installs Debian's `postgresql` when missing (CI
# runs as root), initdb's a data directory in a temp folder, starts it on a free port, exports
# NNLAB_TEST_POSTGRES_URL and stops it on exit. Where it cannot be had, the tests skip.

_pg_as() {  # the server refuses to run as root: run it as the postgres user
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_stop() {
  _pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
}

start_postgres() {
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
      && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
      >/dev/null 2>&1 || echo "postgres: apt-get install failed; its tests will skip"
  fi
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$PG_BIN" ]; then echo "postgres: not installed; its tests will skip"; return 0; fi
  PG_TMP="$(mktemp -d)"
  chmod 755 "$PG_TMP"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  _pg_as "$PG_BIN/initdb" -D "$PG_TMP/data" -U nnlab --auth=trust -E UTF8 >/dev/null
  _pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $PG_TMP" start >/dev/null
  trap _pg_stop EXIT
  _pg_as "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U nnlab nnlab
  export NNLAB_TEST_POSTGRES_URL="postgresql://nnlab@127.0.0.1:$port/nnlab"
  echo "postgres: test server at $NNLAB_TEST_POSTGRES_URL"
}
