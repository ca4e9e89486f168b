"""Read rendered pages the way a person does: visible text, rows, links, sections.

A tiny DOM built with the standard library's HTMLParser, so the web tests can assert on what a
page *shows* (a row's text, the link labelled "Remove" in it, the impact preview section) rather
than on raw HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Protocol

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
HIDDEN = {"script", "style", "template"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    @property
    def text(self) -> str:
        """Visible text, whitespace collapsed."""
        parts: list[str] = []

        def collect(node: Node) -> None:
            # What a person reads (and what an accessible name holds): no scripts, no
            # decorations marked aria-hidden such as avatar initials.
            if node.tag in HIDDEN or node.attrs.get("aria-hidden") == "true":
                return
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    if child.tag == "br":
                        parts.append(" ")
                    collect(child)
                    if child.tag in {"p", "div", "li", "td", "th", "tr", "h1", "h2", "h3"}:
                        parts.append(" ")

        collect(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def find_all(self, match: Callable[[Node], bool]) -> list[Node]:
        return [n for n in self.walk() if match(n)]

    def by_testid(self, testid: str) -> Node:
        found = self.find_all(lambda n: n.attrs.get("data-testid") == testid)
        assert found, f"no element with data-testid={testid!r}"
        return found[0]

    def has_testid(self, testid: str) -> bool:
        return bool(self.find_all(lambda n: n.attrs.get("data-testid") == testid))

    def rows(self) -> list[Node]:
        return self.find_all(lambda n: n.tag == "tr")

    def row_for(self, person_email: str) -> Node:
        found = self.find_all(
            lambda n: n.tag == "tr" and n.attrs.get("data-person") == person_email
        )
        assert found, f"no row for {person_email!r}"
        return found[0]

    def has_row_for(self, person_email: str) -> bool:
        return bool(
            self.find_all(lambda n: n.tag == "tr" and n.attrs.get("data-person") == person_email)
        )

    def links(self) -> list[tuple[str, str]]:
        """(label, href) of every link."""
        return [(n.text, n.attrs.get("href", "")) for n in self.walk() if n.tag == "a"]

    def link(self, label: str) -> str:
        """The href of the one link with exactly this visible label."""
        hrefs = [href for text, href in self.links() if text == label]
        assert hrefs, f"no link labelled {label!r}; links: {[t for t, _ in self.links()]}"
        assert len(set(hrefs)) == 1, f"several links labelled {label!r}: {hrefs}"
        return hrefs[0]

    def has_link(self, label: str) -> bool:
        return any(text == label for text, _ in self.links())

    def forms(self) -> list[Node]:
        return self.find_all(lambda n: n.tag == "form")


class Rendered(Protocol):
    """A response with a body (the test client's responses)."""

    @property
    def content(self) -> bytes: ...


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the nearest open element of this tag (tolerates unclosed <p>, <li>...).
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def page(response: Rendered) -> Node:
    """Parse a rendered page (any status) into a Node tree."""
    builder = _Builder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def text(response: Rendered) -> str:
    return page(response).text


def active_handle(response: Rendered) -> str:
    """The @handle the top bar shows as the active account."""
    summary = page(response).by_testid("active-account")
    handles = summary.find_all(lambda n: "handle" in n.attrs.get("class", "").split())
    assert handles, "the top bar shows no handle"
    return handles[0].text
