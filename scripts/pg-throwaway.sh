# A throwaway PostgreSQL server for tests, on 127.0.0.1 only, in a temporary directory.
# usage:  source scripts/pg-throwaway.sh && pg_up && trap pg_down EXIT
# pg_up installs Debian's postgresql if no server binary is present (needs root), starts a
# cluster as the postgres user (initdb refuses root), and exports
# BACKCHANNEL_TEST_DATABASE_URL. `trust` auth is acceptable only because it listens on
# 127.0.0.1 alone and the cluster is deleted afterwards.
pg_up() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "pg-throwaway: no PostgreSQL server installed and not root; PostgreSQL tests will skip" >&2
      return 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1)")
  PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/pgtest.XXXXXX")
  local as=""
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGTMP"; as="runuser -u postgres --"; fi
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $as "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$PGTMP/initdb.log"
  $as "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$PGTMP -c max_connections=200" >/dev/null
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres backchannel_test
  export PGBIN PGTMP PGPORT
  export BACKCHANNEL_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/backchannel_test"
}
pg_down() {
  [ -n "${PGTMP:-}" ] || return 0
  local as=""; [ "$(id -u)" = 0 ] && as="runuser -u postgres --"
  $as "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null || true
  rm -rf "$PGTMP"; unset PGTMP
}
