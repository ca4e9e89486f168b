"""Whether a link is live is decided in one place, `bizlink.links.live`.

A later change makes "live" mean more than the row's own status (a link whose ancestor ended
counts as ended too); that change is made in `links.live` only, so no read elsewhere may test
a link's status by hand. The guard below scans the code outside `bizlink/links/` (migrations
aside) for hand-written status tests: ORM lookups (`status=Status.ACTIVE`, `status__in=LIVE`,
`links__status=...` in filter/exclude/get/Q), SQL text (`l.status = 'ACTIVE'`,
`status IN ('PENDING', 'ACTIVE')`) and comparisons of a loaded link (`link.status != Status.ACTIVE`,
`link.status in LIVE`). The unit tests pin the helpers' Q objects and SQL text,
which must stay exactly what the call sites wrote before (partial indexes match the text).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q

from bizlink.links import graph, live
from bizlink.links.enums import LIVE, Status
from bizlink.links.models import Link

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "bizlink"

# Calls whose keyword arguments are lookups (reads), as opposed to create/update/end_links.
LOOKUP_CALLS = {"filter", "exclude", "get", "Q"}
LINK_STATUS_MODULES = {"bizlink.links.models", "bizlink.links.enums"}
LINK_STATUSES = set(Status.values)
# SQL text that tests a link's status by hand.
SQL_PATTERNS = [
    re.compile(r"\bstatus\s*(=|<>|!=)\s*'(PENDING|ACTIVE|REVOKED|REJECTED|EXPIRED)'", re.I),
    re.compile(r"\bstatus\s+(NOT\s+)?IN\s*\(\s*'(PENDING|ACTIVE)'", re.I),
    re.compile(r"\bstatus\s*(=|<>|!=)\s*'\{[^}]*\b(PENDING|ACTIVE)\b", re.I),
    re.compile(r"\bstatus\s+(NOT\s+)?IN\s*\{\s*(LIVE_SQL|LIVE_VALUES_SQL)\s*\}", re.I),
]

# The few status tests outside `links` that are not liveness reads, each with why.
# Keyed by (path under bizlink/, the line's text, stripped): a changed line is judged again.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "connected_apps/queries.py",
        "kind=Kind.APP_GRANT, account=account, app=app,"
        " status__in=(Status.REVOKED, Status.EXPIRED)",
    ): "history, not liveness: was an earlier grant of this app revoked or expired (its own "
    "end; a rejected request does not count)? App grants depend on nothing.",
    (
        "requests/models.py",
        'condition=Q(status="PENDING"),',
    ): "a RemovalRequest's own status (its one-pending-request constraint), not a link's",
}

ADVICE = (
    "test liveness with bizlink.links.live: live_q()/active_q()/pending_q() (prefix for a "
    "relation, e.g. active_q('link__')) in ORM lookups, live_sql(alias)/active_sql(alias) in SQL "
    "(built once, into a module constant), is_live(link)/is_active(link)/is_pending(link) for a "
    "link already loaded; or, if this is not a liveness read (a status "
    "transition of the row itself), add it to ALLOWED in tests/test_live_predicate.py with why"
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    what: str

    def __str__(self) -> str:
        return f"bizlink/{self.path}:{self.line}: {self.what}: {self.text}"


def _link_status_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Local names of links' `Status` and `LIVE` in a module."""
    status, live_names = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in LINK_STATUS_MODULES:
            for alias in node.names:
                if alias.name == "Status":
                    status.add(alias.asname or alias.name)
                elif alias.name == "LIVE":
                    live_names.add(alias.asname or alias.name)
    return status, live_names


def _is_status_lookup(name: str | None) -> bool:
    return name is not None and (
        name in ("status", "status__in")
        or name.endswith("__status")
        or name.endswith("__status__in")
    )


def _mentions_link_status(value: ast.AST, status: set[str], live_names: set[str]) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and node.id in live_names:
            return True
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in status
            and node.attr in LINK_STATUSES
        ):
            return True
        if isinstance(node, ast.Constant) and node.value in ("ACTIVE", "PENDING"):
            return True
    return False


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def scan(source: str, path: str = "<sample>") -> list[Finding]:
    """Hand-written link status tests in one module's source."""
    lines = source.splitlines()
    tree = ast.parse(source)
    status, live_names = _link_status_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_name(node) not in LOOKUP_CALLS:
            continue
        for keyword in node.keywords:
            if _is_status_lookup(keyword.arg) and _mentions_link_status(
                keyword.value, status, live_names
            ):
                line = keyword.value.lineno
                found.append(
                    Finding(path, line, lines[line - 1].strip(), f"ORM lookup {keyword.arg}=")
                )
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        if any(isinstance(side, ast.Attribute) and side.attr == "status" for side in sides) and any(
            _mentions_link_status(side, status, live_names) for side in sides
        ):
            line = node.lineno
            found.append(Finding(path, line, lines[line - 1].strip(), "comparison of .status"))
    for number, text in enumerate(lines, start=1):
        if any(p.search(text) for p in SQL_PATTERNS):
            found.append(Finding(path, number, text.strip(), "SQL status test"))
    return found


def _modules() -> list[Path]:
    return sorted(
        p
        for p in SOURCE.rglob("*.py")
        if "migrations" not in p.parts and not p.is_relative_to(SOURCE / "links")
    )


def test_no_hand_written_liveness_outside_links() -> None:
    found = []
    for module in _modules():
        path = module.relative_to(SOURCE).as_posix()
        found += [
            f
            for f in scan(module.read_text(encoding="utf-8"), path)
            if (f.path, f.text) not in ALLOWED
        ]
    assert not found, (
        "A link's liveness tested by hand; " + ADVICE + ":\n" + "\n".join(map(str, found))
    )


def test_allowed_entries_still_exist() -> None:
    """A whitelist entry whose line is gone is dropped (or judged again where it moved)."""
    lines = {
        (m.relative_to(SOURCE).as_posix(), line.strip())
        for m in _modules()
        for line in m.read_text(encoding="utf-8").splitlines()
    }
    assert not [entry for entry in ALLOWED if entry not in lines]
    assert all(reason.strip() for reason in ALLOWED.values())


def test_scanner_finds_planted_violations() -> None:
    sample = """
from django.db.models import Exists, Q
from bizlink.links.models import LIVE, Link, Status as S
from bizlink.pixels.models import SyncBinding

a = Link.objects.filter(kind="X", status__in=LIVE)
b = SyncBinding.objects.filter(link__status=S.ACTIVE)
c = Link.objects.exclude(status=S.PENDING)
d = Q(links__status__in=(S.PENDING, S.ACTIVE))
e = Exists(Link.objects.filter(pk=1, status="ACTIVE"))
f = "SELECT 1 FROM links_link l WHERE l.status = 'ACTIVE'"
g = "WHERE status IN ('PENDING', 'ACTIVE')"
h = f"AND m.status = '{S.ACTIVE.value}'"
i = f"AND child.status IN {LIVE_SQL}"
j = grant is None or grant.status != S.ACTIVE
k = [m for m in members if m.status == "ACTIVE"]
if link.kind != "X" or link.status not in LIVE:
    pass
"""
    found = scan(sample)
    assert sorted(f.line for f in found) == [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    assert str(found[0]) == (
        "bizlink/<sample>:6: ORM lookup status__in=: "
        'a = Link.objects.filter(kind="X", status__in=LIVE)'
    )


def test_scanner_leaves_writes_helpers_and_other_models_alone() -> None:
    sample = """
from django.db.models import Q
from bizlink.ads.models import Campaign, RunStatus
from bizlink.links.live import active_q, active_sql, live_q
from bizlink.links.models import Link, Status

create_link(kind, bc, status=Status.PENDING)
end_links(ids, actor=None, reason="", status=Status.EXPIRED)
Link.objects.filter(pk=1).update(status=Status.REVOKED)
Link.objects.filter(Q(kind="X") & live_q())
Campaign.objects.filter(status=RunStatus.ACTIVE)
SQL = f"WHERE {active_sql('l')} AND c.status <> 'DELETED'"
ok = campaign.status == RunStatus.ACTIVE and is_active(link)
if relation_status == "PENDING" or request.status == Request.Status.PENDING:
    pass
"""
    assert scan(sample) == []


def test_orm_helpers() -> None:
    assert live.live_q() == Q(status__in=LIVE)
    assert live.live_q("links__") == Q(links__status__in=LIVE)
    assert live.active_q() == Q(status=Status.ACTIVE)
    assert live.active_q("membership__") == Q(membership__status=Status.ACTIVE)
    assert live.pending_q("link__") == Q(link__status=Status.PENDING)


def test_loaded_link_helpers() -> None:
    for status in Status:
        link = Link(status=status)
        assert live.is_live(link) == link.is_live == (status in LIVE)
        assert live.is_active(link) == (status == Status.ACTIVE)
        assert live.is_pending(link) == (status == Status.PENDING)


def test_sql_helpers_keep_the_text_indexes_match() -> None:
    assert live.live_sql("l") == "l.status IN ('PENDING', 'ACTIVE')"
    assert live.live_sql() == "status IN ('PENDING', 'ACTIVE')"
    assert live.active_sql("m") == "m.status = 'ACTIVE'"
    assert live.active_sql() == "status = 'ACTIVE'"
    assert graph.LIVE_SQL == live.LIVE_VALUES_SQL == "('PENDING', 'ACTIVE')"


def test_hot_sql_constants_read_as_before() -> None:
    """The statements read on every request, as they were written by hand."""
    from bizlink import policy

    assert policy.MEMBERSHIP_WHERE == (
        "status = 'ACTIVE' AND kind = 'MEMBERSHIP' AND business_id = %s AND user_id = %s"
    )
    for clause in (
        "WHERE p.user_id = %(user)s AND p.status = 'ACTIVE' AND p.account_id = %(account)s",
        "WHERE al.account_id = %(account)s AND al.status = 'ACTIVE' AND al.kind = 'ACCOUNT_BC'",
        "AND m.user_id = %(user)s AND m.status = 'ACTIVE' AND m.kind = 'MEMBERSHIP'",
        "WHERE s.account_id = %(account)s AND s.status = 'ACTIVE' AND s.kind = 'PARTNER_SHARE'",
    ):
        assert clause in policy.ACCOUNT_ACCESS_SQL
