"""A pytest plugin that counts what the security tests check, for docs/reliability.md.

Loaded only on demand (`python -m pytest -p tests.faults.count_plugin ...`, docs/reliability.md); it
changes no behaviour, it only counts: every request the Django test client or `requests` sends,
per test file, the distinct (session, method, path) triples (that is URL x persona x method),
and every schemathesis case called. At the end the counts go to .reliability/figures.json.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from typing import Any

import pytest

_file = {"now": ""}
_requests: Counter[str] = Counter()
_triples: defaultdict[str, set[tuple[str, str, str]]] = defaultdict(set)
_cases: Counter[str] = Counter()


def pytest_runtest_setup(item: pytest.Item) -> None:
    _file["now"] = item.nodeid.split("::")[0]


def _count_django_client() -> None:
    from django.test.client import Client

    original = Client.request

    @functools.wraps(original)
    def request(self: Client, **req: Any) -> Any:
        here = _file["now"]
        cookie = self.cookies.get("sessionid")
        _requests[here] += 1
        _triples[here].add(
            (cookie.value if cookie else "anonymous", req["REQUEST_METHOD"], req["PATH_INFO"])
        )
        return original(self, **req)

    Client.request = request  # type: ignore[method-assign]


def _count_requests() -> None:
    import requests

    original = requests.Session.request

    @functools.wraps(original)
    def request(self: requests.Session, method: str, url: str, *args: Any, **kw: Any) -> Any:
        here = _file["now"]
        _requests[here] += 1
        token = str((kw.get("headers") or {}).get("Access-Token", "")) or "anonymous"
        _triples[here].add((token, method.upper(), str(url).split("?")[0]))
        return original(self, method, url, *args, **kw)

    requests.Session.request = request  # type: ignore[method-assign,assignment]


def _count_schemathesis() -> None:
    from schemathesis import Case

    original = Case.call_and_validate

    @functools.wraps(original)
    def call_and_validate(self: Case, *args: Any, **kw: Any) -> Any:
        _cases[_file["now"]] += 1
        return original(self, *args, **kw)

    Case.call_and_validate = call_and_validate  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _count_django_client()
    _count_requests()
    _count_schemathesis()


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.faults.figures import record

    for path, count in sorted(_requests.items()):
        record(f"requests sent by {path}", count)
        record(f"distinct URL x persona x method in {path}", len(_triples[path]))
    for path, count in sorted(_cases.items()):
        record(f"schemathesis cases run by {path}", count)
