"""Screenshots of Consiglio for the docs: the demo council in Debian's Chromium.

    .venv/bin/python docs/screenshots/take.py

Starts the app as `make run` does (development mode, demo data) but on a throw-away SQLite
database and instance folder and a free port, then saves PNGs at viewport size next to this
file. Nothing outside docs/screenshots/ is touched.
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
ADMIN = ("admin@example.org", "consiglio-demo")


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


def shoot(page: Page, name: str) -> None:
    settle(page)
    path = HERE / f"{name}.png"
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    print(f"  {path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")


def take(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(viewport=PHONE, base_url=base, locale="it-IT")
            page = phone.new_page()
            page.goto("/")
            shoot(page, "home-phone")
            page.goto("/login")
            shoot(page, "login-phone")
            phone.close()

            desktop = browser.new_context(viewport=DESKTOP, base_url=base, locale="it-IT")
            page = desktop.new_page()
            page.goto("/")
            shoot(page, "home-desktop")
            page.goto("/record")
            shoot(page, "record-desktop")

            page.goto("/login")
            page.fill("#email", ADMIN[0])
            page.fill("#password", ADMIN[1])
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
            if page.locator("header .account-link").count() == 0:
                raise SystemExit("could not log in as the demo administrator")
            page.goto("/admin/users")
            shoot(page, "admin-users-desktop")
            desktop.close()
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
