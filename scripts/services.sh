#!/usr/bin/env bash
# A throwaway PostgreSQL and Redis on loopback, for the test suite and the two-instance test.
#   scripts/services.sh start   # prints DATABASE_URL and CACHE_URL lines (also in $DIR/env)
#   scripts/services.sh stop
# Needs Debian's postgresql and redis-server packages (.ci/run installs them).
set -euo pipefail
DIR=${SERVICES_DIR:-/tmp/portal-services}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_postgres() {
  # initdb refuses to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

case "${1:-}" in
  start)
    [ -n "$pg_bin" ] || { echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
    command -v redis-server >/dev/null || { echo "Redis is not installed: apt-get install redis-server" >&2; exit 1; }
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    pg_port=$(free_port)
    redis_port=$(free_port)
    as_postgres "$pg_bin/initdb" -D "$DIR/pg" -A trust -U postgres >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -w -l "$DIR/pg.log" \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $DIR -c fsync=off -c max_connections=200" start >/dev/null
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
    {
      echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/portal"
      echo "CACHE_URL=redis://127.0.0.1:$redis_port/0"
    } > "$DIR/env"
    cat "$DIR/env"
    ;;
  stop)
    [ -d "$DIR/pg" ] && as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null || true
    [ -f "$DIR/redis.pid" ] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
