#!/usr/bin/env bash
# The PostgreSQL half of the suite needs a server; start the local cluster if it is down.
set -euo pipefail
url="$1"
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = "0" ]; then
    echo "Starting the local PostgreSQL cluster ..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done
fi
echo "PostgreSQL is not reachable for $url. Start it, or set PG_TEST_URL." >&2
exit 1
