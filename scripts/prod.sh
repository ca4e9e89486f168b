#!/usr/bin/env bash
# Production mode on this machine: gunicorn with several workers, PostgreSQL, a separate
# background worker, static files served by whitenoise, DEBUG off. Used by `make prod` and the
# benchmarks; operators can read it as a recipe. Plain http on 127.0.0.1, so cookies are not
# marked Secure and there is no https redirect; behind a TLS proxy leave those at their defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

export DEBUG=false
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bizlink}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SECURE_COOKIES="${SECURE_COOKIES:-false}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT:-8000}}"
# Keep each worker's database connection between requests (health-checked before reuse):
# opening a PostgreSQL connection per request halved the Business API's throughput (bench 3).
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"
# A worker runs here (with its heartbeat), so /healthz fails until it has beaten once.
export HEALTH_REQUIRE_HEARTBEAT="${HEALTH_REQUIRE_HEARTBEAT:-true}"
if [ -z "${SECRET_KEY:-}" ]; then
    # One random key per checkout, kept out of git, so sessions survive restarts.
    [ -s .prod-secret-key ] || "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" > .prod-secret-key
    SECRET_KEY="$(cat .prod-secret-key)"
    export SECRET_KEY
fi

case "$DATABASE_URL" in
postgres://*|postgresql://*)
    db="${DATABASE_URL##*/}"; db="${db%%\?*}"
    if ! psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        echo "Creating database $db ..."
        psql "${DATABASE_URL%/*}/postgres" -c "CREATE DATABASE \"$db\"" >/dev/null
    fi
    ;;
esac

# Prometheus multi-process mode (docs/observability.md): every gunicorn worker and the
# background worker write their metrics here, /metrics adds them up. Emptied on each start.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/bizlink-metrics-${PORT:-8000}}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py collectstatic --noinput -v 0
"$BIN/python" manage.py check --deploy --fail-level ERROR
if [ "${LOAD_DEMO:-1}" = "1" ]; then "$BIN/python" manage.py load_demo; fi

WEB_WORKERS="${WEB_WORKERS:-$(( $(nproc) * 2 + 1 ))}"
echo "bizlink (production mode): http://127.0.0.1:${PORT:-8000}/ with $WEB_WORKERS web workers and 1 background worker"
# The worker's heartbeat task (/healthz and /metrics report its age) keeps itself going.
"$BIN/python" manage.py worker_heartbeat
"$BIN/python" manage.py db_worker --no-reload &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
exec_gunicorn() {
    "$BIN/gunicorn" bizlink.wsgi:application \
        --bind "127.0.0.1:${PORT:-8000}" \
        --workers "$WEB_WORKERS" \
        --config python:bizlink.observability.gunicorn_conf \
        --graceful-timeout 10
}
exec_gunicorn
