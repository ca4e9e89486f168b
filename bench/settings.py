"""The production settings plus one URL for benchmark 3 (see bench/urls.py).

`scripts/prod.sh` runs with `DJANGO_SETTINGS_MODULE=bench.settings` when the benchmark starts
it; everything else (DEBUG off, PostgreSQL or SQLite from DATABASE_URL, middleware, workers) is
the production setup unchanged.
"""

from bizlink.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
