"""Screenshots of Consiglio for the docs: the demo council in Debian's Chromium.

    .venv/bin/python docs/screenshots/take.py

Starts the app as `make run` does (development mode, demo data) but on a throw-away SQLite
database and instance folder and a free port, then saves PNGs at viewport size next to this
file (a few taller pages clipped to a fixed height). Nothing outside docs/screenshots/ is
touched. The proposal is the open consultation with the most comments; the meeting is the
first upcoming one of the demo (the one convened for today), run through the pages as in the
room: a member's phone and the chair's console before the opening, then a named vote open on
the console, the projector and the member's phone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "consiglio-demo"
ADMIN = "admin@example.org"
CHAIR = "presidente@example.org"
MEMBER = "consigliere1@example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not listen on port {port} within {timeout} s")


def environment(folder: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "SECRET_KEY", "DATABASE_URL", "FLASK_APP"}
    }
    env.update(
        CONSIGLIO_ENV="development",
        CONSIGLIO_INSTANCE=str(folder / "instance"),
        DATABASE_URL=f"sqlite:///{folder / 'consiglio.db'}",
        HOST="127.0.0.1",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    return env


def settle(page: Page) -> None:
    """Wait for the page and its fonts; park the mouse so that nothing shows a hover."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.mouse.move(0, 0)


def shoot(page: Page, name: str, height: int | None = None) -> None:
    """The viewport, or with `height` the top of the whole page down to that many pixels."""
    settle(page)
    path = HERE / f"{name}.png"
    options = {"path": str(path), "animations": "disabled", "caret": "hide"}
    if height is None:
        page.screenshot(full_page=False, **options)
    else:
        total = page.evaluate("() => document.documentElement.scrollHeight")
        width = page.viewport_size["width"]
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, total)}
        page.screenshot(full_page=True, clip=clip, **options)
    print(f"  {path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if page.locator("header .account-link").count() == 0:
        raise SystemExit(f"could not log in as {email}")


def first_link(page: Page, url: str, selector: str) -> str:
    page.goto(url)
    link = page.locator(selector).first
    if link.count() == 0:
        raise SystemExit(f"no {selector} on {url}")
    return link.get_attribute("href")


def bottom(page: Page, selector: str, fallback: int) -> int:
    """Where the first element matching `selector` ends, in page pixels (`fallback` if none)."""
    found = page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            return element && Math.ceil(element.getBoundingClientRect().bottom + scrollY);
        }""",
        selector,
    )
    return found or fallback


def live_session(context, meeting: str) -> None:
    """Today's demo meeting run as in the room: the member's phone before the session, the
    chair's console opening it, then a named vote open on the console, the projector and the
    member's phone."""
    member = context(PHONE, MEMBER)
    member.goto("/")
    shoot(member, "home-member-phone", height=1400)
    member.goto(meeting)
    settle(member)
    shoot(member, "meeting-phone")
    chair = context(DESKTOP, CHAIR)
    chair.goto(f"{meeting}/console")
    chair.locator(".console-session").get_by_role("button", name="Apri la seduta").wait_for()
    shoot(chair, "meeting-console-desktop")
    chair.locator(".console-session").get_by_role("button", name="Apri la seduta").click()
    chair.locator('[data-live="item-next"] button').click()
    member.get_by_role("button", name="Sono presente").click()
    chair.locator("#console-prepare summary").click()
    chair.fill("#poll-question", "Approvare il punto in discussione?")
    chair.locator("#poll-kind-named").check()
    chair.locator("#console-prepare button[type=submit]").click()
    opening = chair.locator('form[data-poll-action="poll.open"] button').first
    opening.wait_for()
    opening.click()
    member.locator(".ballot-choice").first.wait_for()
    member.evaluate("() => window.scrollTo(0, 0)")
    shoot(member, "meeting-phone-vote")
    chair.locator("#console-prepare summary").click()
    chair.evaluate("() => window.scrollTo(0, 0)")
    shoot(chair, "meeting-console-vote-desktop")
    projector = context(DESKTOP)
    projector.goto(f"{meeting}/live")
    projector.locator(".vote-question").first.wait_for()
    shoot(projector, "meeting-live-desktop")
    for page in (member, chair, projector):
        page.context.close()


def take(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def context(viewport: dict[str, int], email: str | None = None, scale: float = 1) -> Page:
            page = browser.new_context(
                viewport=viewport, device_scale_factor=scale, base_url=base, locale="it-IT"
            ).new_page()
            if email:
                log_in(page, email)
            return page

        try:
            page = context(PHONE)
            page.goto("/")
            shoot(page, "home-phone")
            page.goto("/login")
            shoot(page, "login-phone")
            page.goto("/proposals")
            settle(page)
            shoot(page, "proposals-phone", height=bottom(page, ".proposal-item", 1200) + 24)
            page.locator("[data-menu-open]").click()
            page.locator("[data-menu-close]").wait_for()
            shoot(page, "menu-phone")
            page.context.close()

            page = context(DESKTOP)
            page.goto("/")
            shoot(page, "home-desktop")
            page.goto("/record")
            shoot(page, "record-desktop")
            page.goto("/record/verify")
            shoot(page, "verify-desktop")
            proposal = first_link(
                page, "/proposals?state=consultation&sort=discussed", ".proposal-item-title a"
            )
            meeting = first_link(
                page, "/meetings", "section[aria-labelledby=upcoming-title] .meeting-item-title a"
            )
            page.context.close()

            # A tall page (the text, then the first two comments) at 0.7 of the pixels: about
            # 225 KiB instead of 370, and the text is still legible.
            page = context(DESKTOP, scale=0.7)
            page.goto(proposal)
            settle(page)
            second_comment = bottom(page, "#discussion .comment-list > li:nth-child(2)", 1600)
            shoot(page, "proposal-desktop", height=min(second_comment + 24, 1840))
            page.context.close()

            # the organisation that filed the proposal shown above: a page with content
            page = context(PHONE)
            page.goto(first_link(page, proposal, "main a[href^='/organisations/']"))
            shoot(page, "organisation-phone", height=1400)
            page.context.close()

            page = context(DESKTOP, ADMIN)
            page.goto("/admin/users")
            shoot(page, "admin-users-desktop")
            page.context.close()

            live_session(context, meeting)
        finally:
            browser.close()


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="consiglio-screenshots-") as tmp:
        folder = Path(tmp)
        port = free_port()
        env = environment(folder, port)
        for command in (["db", "upgrade"], ["demo"]):
            subprocess.run(
                [python, "-m", "flask", "--app", "app", *command], cwd=ROOT, env=env, check=True
            )
        log = (folder / "server.log").open("w")
        server = subprocess.Popen(
            [python, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for_port(port, server)
            print(f"Consiglio with the demo data on http://127.0.0.1:{port}; screenshots:")
            take(f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


if __name__ == "__main__":
    main()
