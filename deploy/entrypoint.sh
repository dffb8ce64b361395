#!/bin/sh
# The image's roles (docs/deploy.md, "Container image"):
#   serve                 the portal under gunicorn (gunicorn.conf.py), as `make serve` runs it
#   migrate               the database's migrations: once per release, before new containers
#   manage COMMAND …      any manage.py command of the portal (createsuperuser, upstream_check…)
#   sandbox               the sandbox alone, a demo upstream in a container of its own: its
#                         migrations, its demo data, then gunicorn (sandbox/gunicorn.conf.py)
#   sandbox-manage COMMAND …   a manage.py command of the sandbox (sandbox_purchase, …)
set -eu
role="${1:-serve}"
[ $# -gt 0 ] && shift
sandbox_alone() {
  export DJANGO_SETTINGS_MODULE=sandbox.settings
  export DATABASE_URL="${SANDBOX_DATABASE_URL:-sqlite:////data/sandbox.sqlite3}"
}
case "$role" in
  serve) exec gunicorn portal.wsgi -c gunicorn.conf.py "$@" ;;
  migrate) exec python3 manage.py migrate --noinput "$@" ;;
  manage) exec python3 manage.py "$@" ;;
  sandbox)
    sandbox_alone
    python3 manage.py migrate --noinput
    python3 manage.py sandbox_seed
    exec gunicorn sandbox.wsgi -c sandbox/gunicorn.conf.py "$@" ;;
  sandbox-manage) sandbox_alone; exec python3 manage.py "$@" ;;
  *)
    echo "Unknown role '$role': serve, migrate, manage, sandbox or sandbox-manage." >&2
    exit 2 ;;
esac
