"""Reading the HTML pages back in tests: the rows of a table and the attributes of every tag,
with the standard library's parser (what a browser would build, without running anything)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

NUMBER = re.compile(r"([-+]?)([\d,]+\.\d+)")


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """Every tag with its attributes, and the rows of each table by its class."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.tables: dict[str, dict[str, list[Row]]] = {}
        self._table = ""
        self._part = ""
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        if tag == "table":
            self._table = found.get("class", "")
            self.tables.setdefault(self._table, {})
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = tag
        elif tag == "tr":
            self._row = Row(found)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row.attrs.update({f"cell{len(self._row.cells)}:{k}": v for k, v in found.items()})

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].setdefault(self._part, []).append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table: str, part: str = "tbody") -> list[Row]:
        return self.tables.get(table, {}).get(part, [])


def amount(cell: str) -> float | None:
    """The figure in a cell such as '+1,234.50 EUR' or '~-3.00 EUR'; None when there is none."""
    found = NUMBER.search(cell)
    if found is None:
        return None
    value = float(found.group(2).replace(",", ""))
    return -value if found.group(1) == "-" else value


def outside_references(page: Page) -> list[str]:
    """Everything the page would fetch or run: scripts, links, frames, images, objects, and
    any attribute naming a network address (the SVG namespace aside)."""
    found = []
    for tag, attrs in page.tags:
        if tag in ("script", "link", "iframe", "img", "object", "embed", "base", "form"):
            found.append(tag)
        for key, value in attrs.items():
            if key == "xmlns":
                continue
            if re.search(r"(?i)(https?:|//|javascript:|data:)", value) and key != "content":
                found.append(f"{tag} {key}={value[:60]}")
            if key.startswith("on"):
                found.append(f"{tag} {key}")
    return found
