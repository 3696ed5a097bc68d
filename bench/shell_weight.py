"""What the shell costs a page: the CSS and JavaScript (and fonts) each page loads, raw and
gzipped, and the phone's first paint on a member's live page.

    .venv/bin/python bench/shell_weight.py http://127.0.0.1:5000 [--meeting 3] [--rounds 5]

Against a running server with the demo data (`make run`). Pages are loaded in Chromium at
360 x 740, logged in as a council member (consigliere1); sizes are the bodies received
(the development server does not compress) and the same bodies gzipped at level 6, as a
production server would send them. The first paint (first-contentful-paint from the
Performance API) is the median of `--rounds` cold loads of /meetings/<id>, each in a fresh
browser context (no cache).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
from collections import defaultdict

from playwright.sync_api import sync_playwright

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
PASSWORD = "consiglio-demo"


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def weigh(page, url: str) -> dict[str, list[int]]:
    """Raw and gzipped bytes of the page's CSS, JS and fonts."""
    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    bodies = []

    def keep(response) -> None:
        bodies.append(response)

    page.on("response", keep)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("response", keep)
    for response in bodies:
        kind = response.request.resource_type
        if kind not in ("stylesheet", "script", "font"):
            continue
        try:
            body = response.body()
        except Exception:  # a redirect or a body already gone
            continue
        entry = sizes[kind]
        entry[0] += 1
        entry[1] += len(body)
        entry[2] += len(gzip.compress(body, 6))
    return sizes


def member_login(browser, base: str) -> dict:
    """The member's login cookie, so that each measured load starts with an empty cache."""
    context = browser.new_context(viewport=PHONE)
    log_in(context.new_page(), base, "consigliere1@example.org")
    login = context.storage_state()
    context.close()
    return login


def first_paint(browser, base: str, path: str, rounds: int, login: dict) -> float:
    """Median first-contentful-paint of cold loads, each in a new context."""
    times = []
    for _ in range(rounds):
        context = browser.new_context(viewport=PHONE, storage_state=login)
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        fcp = page.evaluate(
            """() => new Promise((resolve) => {
                const seen = performance.getEntriesByName('first-contentful-paint');
                if (seen.length) return resolve(seen[0].startTime);
                new PerformanceObserver((list) => resolve(list.getEntries()[0].startTime))
                    .observe({type: 'paint', buffered: true});
            })"""
        )
        times.append(fcp)
        context.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("--meeting", type=int, default=3)
    parser.add_argument("--proposal", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    pages = ["/", f"/proposals/{args.proposal}", f"/meetings/{args.meeting}", "/record"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        login = member_login(browser, base)
        print("| page | CSS files, kB raw / gzip | JS files, kB raw / gzip | fonts, kB |")
        print("|---|---|---|---|")
        for path in pages:
            context = browser.new_context(viewport=PHONE, storage_state=login)
            page = context.new_page()
            sizes = weigh(page, base + path)
            css, js, font = sizes["stylesheet"], sizes["script"], sizes["font"]
            print(
                f"| {path} | {css[0]}: {css[1] / 1000:.1f} / {css[2] / 1000:.1f} "
                f"| {js[0]}: {js[1] / 1000:.1f} / {js[2] / 1000:.1f} "
                f"| {font[0]}: {font[1] / 1000:.1f} |"
            )
            context.close()
        fcp = first_paint(browser, base, f"/meetings/{args.meeting}", args.rounds, login)
        print(f"\nfirst-contentful-paint, /meetings/{args.meeting}, 360 px, median of "
              f"{args.rounds} cold loads: {fcp:.0f} ms")  # fmt: skip
        browser.close()


if __name__ == "__main__":
    main()
