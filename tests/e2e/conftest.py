"""Browser tests: Debian's Chromium driven by Playwright (sync API) against the live server.

One browser per test session; every test gets fresh browser contexts (cookies, storage and
language choice never leak from one test to the next), closed when the test ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.conftest import PASSWORD

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000
AXE_URL = "**/__e2e__/axe.min.js"


def pytest_collection_modifyitems(config, items) -> None:
    """Everything under tests/e2e is a browser test: `-m "not e2e"` skips them all."""
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make chromium` installs Debian's package"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is a failure, never a skip
        pytest.skip(message)
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Factory of isolated browser contexts (a phone unless told), all closed after the test."""
    contexts: list[BrowserContext] = []
    if not AXE.is_file():  # a route that cannot be fulfilled leaves axe_check waiting forever
        pytest.fail(f"{AXE} is missing: `make setup` installs the npm packages")

    def factory(viewport: dict | None = None, **kwargs) -> BrowserContext:
        context = browser.new_context(
            viewport=viewport or PHONE, base_url=live_server.url, **kwargs
        )
        context.set_default_timeout(TIMEOUT_MS)
        # axe is served as if from the site itself, so the app's strict CSP (no inline
        # scripts) stays on during the tests instead of being bypassed.
        context.route(
            AXE_URL, lambda route: route.fulfill(path=AXE, content_type="text/javascript")
        )
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    """A page in a fresh context with a phone's viewport (360 x 740)."""
    return new_context(PHONE).new_page()


@pytest.fixture
def desktop_page(new_context) -> Page:
    """A page in a fresh context with a desktop viewport (1280 x 800)."""
    return new_context(DESKTOP).new_page()


def axe_check(page: Page) -> None:
    """Run axe-core on the page as it is; fail on any serious or critical violation."""
    page.add_script_tag(url="/__e2e__/axe.min.js")
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    if serious:
        report = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [
                    {"target": n["target"], "summary": n.get("failureSummary", "")}
                    for n in v["nodes"][:5]
                ],
            }
            for v in serious
        ]
        text = json.dumps(report, indent=2, ensure_ascii=False)
        print(f"axe violations on {page.url}:\n{text}")
        pytest.fail(f"axe: {len(serious)} serious/critical violation(s) on {page.url}:\n{text}")


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits), once its
    fonts are in (a fallback font's metrics can differ from Titillium's for a moment)."""
    return page.evaluate(
        "() => document.fonts.ready.then("
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth))"
    )


def log_in(page: Page, email: str, password: str = PASSWORD, *, logged_in: bool = True) -> None:
    """Log in through the real form, as a person would; unless told otherwise (a refused
    password, a second step to come), the page then shows the account in the header."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if logged_in:
        expect(
            page.locator("header .account-link").first, f"{email} is not logged in"
        ).to_be_attached()
