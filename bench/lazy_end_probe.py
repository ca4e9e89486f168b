"""Design probe for benchmark 2's lazy end: what the ancestor check costs the permission check.

Benchmark 2 can only be met if an unlink ends the roots and a worker ends their dependents
after commit (docs/scaling.md, "What meeting benchmark 2 takes"). Until the worker has done so,
every read must see a link as ended when one of its ancestors is being ended. This probe
measures that rule on the permission check (benchmark 1's statement) before anyone builds it:

- `probe_ancestor(link_id, ancestor_id)`: every link's ancestors (the transitive closure of
  links_linkdependency), built here from the tenant;
- `probe_ending(root_id)`: the roots an unlink ended whose dependents the worker has not ended
  yet (empty almost always);
- the rule: a live status and `NOT EXISTS (SELECT 1 FROM probe_ending) OR NOT EXISTS (an
  ancestor of this link in probe_ending)`; PostgreSQL evaluates the first EXISTS once per
  statement, so while nothing is being ended each row pays nothing more.

It times `policy.ACCOUNT_ACCESS_SQL` as it is and with the rule, alternating rounds on the same
connection, with `probe_ending` empty and then holding some roots. PostgreSQL only (benchmark 1
has no margin there). Run it on a copy of a generated tenant, never on a database in use:

    python -m bench.lazy_end_probe postgres://postgres@127.0.0.1:5432/bizlink_bench_full
    python -m bench.lazy_end_probe --short    # a small tenant of its own (CI)
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from bench.common import drop_database, fresh_database, ms, percentile, setup_django
from bench.permission_check import sample_pairs

ALIASES = ("p", "al", "m", "s")


def with_ancestor_rule(sql: str) -> str:
    """`ACCOUNT_ACCESS_SQL` with the lazy-end rule after each alias's live test."""

    def rule(match: re.Match[str]) -> str:
        alias = match.group(1)
        return (
            f"{match.group(0)} AND (NOT EXISTS (SELECT 1 FROM probe_ending) OR NOT EXISTS ("
            f"SELECT 1 FROM probe_ancestor an JOIN probe_ending e ON e.root_id = an.ancestor_id "
            f"WHERE an.link_id = {alias}.id))"
        )

    changed, count = re.subn(r"\b(" + "|".join(ALIASES) + r")\.status = 'ACTIVE'", rule, sql)
    assert count == 5, f"expected five live tests in the statement, found {count}"
    return changed


def build(cursor: Any) -> dict[str, Any]:
    started = time.perf_counter()
    cursor.execute("DROP TABLE IF EXISTS probe_ancestor, probe_ending")
    cursor.execute(
        """
        CREATE TABLE probe_ancestor AS
        WITH RECURSIVE closure(link_id, ancestor_id) AS (
            SELECT link_id, requires_id FROM links_linkdependency
            UNION
            SELECT c.link_id, d.requires_id FROM closure c
            JOIN links_linkdependency d ON d.link_id = c.ancestor_id
        )
        SELECT link_id, ancestor_id FROM closure
        """
    )
    cursor.execute("ALTER TABLE probe_ancestor ADD PRIMARY KEY (link_id, ancestor_id)")
    cursor.execute("CREATE TABLE probe_ending (root_id integer PRIMARY KEY)")
    cursor.execute("ANALYZE probe_ancestor")
    cursor.execute("ANALYZE probe_ending")
    cursor.execute("SELECT count(*), count(DISTINCT link_id) FROM probe_ancestor")
    rows, links = cursor.fetchone()
    return {"rows": rows, "links": links, "seconds": time.perf_counter() - started}


def timed_checks(cursor: Any, sql: str, work: list[tuple[int, int]]) -> tuple[list[float], int]:
    samples, allowed = [], 0
    for user, account in work:
        start = time.perf_counter()
        cursor.execute(sql, {"account": account, "user": user})
        allowed += cursor.fetchone() is not None
        samples.append(time.perf_counter() - start)
    return samples, allowed


def compare(cursor: Any, work: list[tuple[int, int]], rounds: int) -> dict[str, Any]:
    from bizlink.policy import ACCOUNT_ACCESS_SQL

    variants = {
        "as it is": ACCOUNT_ACCESS_SQL,
        "with the rule": with_ancestor_rule(ACCOUNT_ACCESS_SQL),
    }
    for sql in variants.values():  # warm up: plans, caches
        timed_checks(cursor, sql, work[:100])
    samples: dict[str, list[float]] = {name: [] for name in variants}
    answers: dict[str, int] = {name: 0 for name in variants}
    for _ in range(rounds):
        for name, sql in variants.items():
            got, allowed = timed_checks(cursor, sql, work)
            samples[name] += got
            answers[name] += allowed
    return {
        name: {
            "p50": percentile(got, 50),
            "p99": percentile(got, 99),
            "allowed": answers[name],
        }
        for name, got in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="a PostgreSQL copy of a generated tenant")
    parser.add_argument(
        "--short", action="store_true", help="generate a small tenant of its own (CI), then drop it"
    )
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--ending", type=int, default=20, help="roots being ended, second part")
    args = parser.parse_args()
    if args.short:
        url = fresh_database("postgres", "probe")
        args.checks, args.rounds, args.ending = 200, 1, 3
    elif not args.url or not args.url.startswith("postgres"):
        parser.error("give the URL of a PostgreSQL copy of a generated tenant, or --short")
    else:
        url = args.url
    setup_django(url)
    try:
        probe(args.checks, args.rounds, args.ending, generate_first=args.short)
    finally:
        if args.short:
            from django.db import connections

            connections.close_all()
            drop_database("postgres", "probe")


def probe(checks: int, rounds: int, ending: int, *, generate_first: bool) -> None:
    from django.db import connection

    if generate_first:
        from bizlink.demo.generate import Size, generate

        generate(Size(businesses=10, users=300, links=3_000), progress=lambda *a: None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        built = build(cursor)
        print(
            f"probe_ancestor: {built['rows']:,} rows for {built['links']:,} links with "
            f"ancestors, built in {built['seconds']:.1f} s"
        )
        work = sample_pairs(checks, seed=3)  # benchmark 1's mix
        for label in ("nothing being ended", f"{ending} admin memberships being ended"):
            if label != "nothing being ended":
                cursor.execute(
                    """INSERT INTO probe_ending
                    SELECT id FROM links_link
                    WHERE kind = 'MEMBERSHIP' AND status = 'ACTIVE' AND role = 'ADMIN'
                    ORDER BY random() LIMIT %s""",
                    [ending],
                )
                cursor.execute("ANALYZE probe_ending")
            result = compare(cursor, work, rounds)
            print(f"{label} ({rounds} x {len(work):,} checks each, alternating):")
            for name, figures in result.items():
                print(
                    f"  {name:>14}: p50 {ms(figures['p50'])}, p99 {ms(figures['p99'])}, "
                    f"{figures['allowed']:,} allowed"
                )
        cursor.execute("DROP TABLE probe_ancestor, probe_ending")


if __name__ == "__main__":
    main()
