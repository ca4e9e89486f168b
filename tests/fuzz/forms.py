"""Find every web form a persona can reach, the way a person would: by following links.

`discover(client)` crawls same-site links from the entry pages and returns one `Form` per
distinct (URL name, field names) pair, with the values the page offered (hidden values, select
options, button values). Forms on new pages are picked up without touching this file.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

from tests.web.pages import Node, page

ENTRY_PAGES = (
    "/",
    "/accounts/",
    "/app/settings/",
    "/app/requests/",
    "/business/",
    "/ads/",
    "/developers/apps/",
    "/notifications/",
    "/requests/removal/",
    "/login/",
    "/signup/",
)
# Not forms to fuzz or pages to crawl: leaving the session, downloads, other interfaces.
SKIP_PREFIXES = ("/logout", "/static/", "/admin/", "/oauth/", "/open_api/", "/api/", "/sandbox")
SKIP_SUFFIXES = (".csv", ".json", "/metrics", "/healthz")


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, select, textarea, checkbox, number, email, date, file, button...
    values: list[str] = field(default_factory=list)  # what the page offered


@dataclass
class Form:
    action: str  # a path
    url_name: str
    found_on: str
    fields: dict[str, Field]

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return self.url_name, tuple(sorted(self.fields))


def _wanted(path: str) -> bool:
    return (
        path.startswith("/")
        and not path.startswith(SKIP_PREFIXES)
        and not path.endswith(SKIP_SUFFIXES)
    )


def _url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name if match.namespaces[:1] == ["web"] else None


def _fields(form: Node) -> dict[str, Field]:
    found: dict[str, Field] = {}
    for node in form.walk():
        name = node.attrs.get("name", "")
        if not name or name == "csrfmiddlewaretoken":
            continue
        if node.tag == "input":
            kind = node.attrs.get("type", "text").lower()
            if kind in {"submit", "image", "reset"} and not name:
                continue
        elif node.tag == "select":
            kind = "select"
        elif node.tag == "textarea":
            kind = "textarea"
        elif node.tag == "button":
            kind = "button"
        else:
            continue
        entry = found.setdefault(name, Field(name, kind))
        if node.tag == "select":
            options = [o for o in node.walk() if o.tag == "option"]
            entry.values += [o.attrs.get("value", o.text) for o in options]
        elif node.tag == "textarea":
            entry.values.append(node.text)
        elif "value" in node.attrs:
            entry.values.append(node.attrs["value"])
    return found


def discover(client: Client, max_pages: int = 150) -> tuple[list[Form], int]:
    """The distinct POST forms reachable from the entry pages, and how many pages were read."""
    queue = deque(ENTRY_PAGES)
    seen: set[str] = set(ENTRY_PAGES)
    forms: dict[tuple[str, tuple[str, ...]], Form] = {}
    pages = 0
    while queue and pages < max_pages:
        path = queue.popleft()
        response = client.get(path, follow=True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        path = response.request["PATH_INFO"]  # where the redirects ended
        pages += 1
        root = page(response)
        for link in root.find_all(lambda n: n.tag == "a" and "href" in n.attrs):
            target = urlsplit(urljoin(path, link.attrs["href"])).path
            if target not in seen and _wanted(target) and _url_name(target):
                seen.add(target)
                queue.append(target)
        for node in root.forms():
            if node.attrs.get("method", "get").lower() != "post":
                continue
            action = urlsplit(urljoin(path, node.attrs.get("action", "") or path)).path
            name = _url_name(action)
            if name is None or not _wanted(action):
                continue
            form = Form(action=action, url_name=name, found_on=path, fields=_fields(node))
            forms.setdefault(form.key, form)
    return list(forms.values()), pages
