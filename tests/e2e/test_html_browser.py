"""The pages in a real browser (Debian's Chromium, driven headless): they render without a
console error, fetch nothing but themselves, and draw the map and the chart at a desktop's
width and a phone's; screenshots go under build/. Skipped, with the reason, only where no
Chromium is installed (`make browser` installs Debian's package)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TESTS, Repo, Result, Service

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow
SHOTS = TESTS.parent / "build" / "screenshots"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def chromium() -> str:
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: 'make browser' installs Debian's chromium")
    return executable


@contextmanager
def _browser(executable: str) -> Iterator[Any]:
    """Started after the pages are made: the driver runs an event loop of its own in this
    thread, where the commands run theirs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _look(browser: Any, file: Path, width: int, shot: str) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    fetched: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(file.as_uri())
    boxes = {
        kind: page.eval_on_selector_all(
            f"svg.{kind}",
            "all => all.map(e => {const b = e.getBoundingClientRect(); "
            "return [b.width, b.height];})",
        )
        for kind in ("map", "chart")
    }
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}-{width}.png"), full_page=True)
    page.close()
    return {"errors": errors, "fetched": fetched, "boxes": boxes, "overflow": overflow}


@pytest.mark.parametrize("width", [1280, 375])
def test_the_plan_and_report_pages_render_offline_at_desktop_and_phone_widths(
    api_env: Service, repo: Repo, cli: Cli, chromium: str, width: int
) -> None:
    planned = cli("plan", "--format", "html", ".")
    (repo.root / "plan.html").write_text(planned.out)
    assert cli("apply", "--auto-approve", ".").code == 0
    assert cli("report", "--out", "report", ".").code == 0
    pages = ((repo.root / "plan.html", "plan"), (repo.root / "report" / "index.html", "report"))
    with _browser(chromium) as browser:
        seen_all = [(shot, file, _look(browser, file, width, shot)) for file, shot in pages]
    for shot, file, seen in seen_all:
        assert seen["errors"] == [], seen["errors"]
        assert seen["fetched"] == [file.as_uri()], "the page fetches nothing else"
        for kind in ("map", "chart"):
            assert seen["boxes"][kind], f"no {kind} on the {shot} page"
            for w, h in seen["boxes"][kind]:
                assert w > 100 and h > 50, (kind, w, h)
        assert seen["overflow"] <= 0, "the page itself never scrolls sideways"
