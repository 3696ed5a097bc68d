"""Every page of the demo on a 360 px phone, as the public and as a member: the demo data is
loaded (as `make run` does), then the pages reachable from the home are crawled (same-origin
links, a few pages per kind of address) and each must pass axe, fit the phone's width, hold
no table cut off on the right without a focusable region to scroll it, and break no word in
the middle. The fixed lists of tests/e2e/test_pages.py never saw the demo's own states (a
closed meeting with speakers, decisions with long counts, the admin's users)."""

from __future__ import annotations

import re
import time
from collections import Counter
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from council.domain.voting import polls
from council.extensions import db
from council.models.meeting import Meeting
from council.models.poll import Decision
from council.models.user import AccountStatus
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.e2e.test_live_session import wait_live
from tests.e2e.test_live_votes import poll_on
from tests.meeting_helpers import make_council, running_meeting
from tests.poll_helpers import run

DEMO_PASSWORD = "consiglio-demo"
PER_KIND = 2  # pages crawled per kind of address (/meetings/<n> counts as one kind) ...
AT_MOST = 100  # pages per visitor, so that the sweep stays within a couple of minutes
# Addresses that are not pages to read: files, feeds, the API, leaving, changing language.
SKIP = re.compile(
    r"^/(static|api|__e2e__|logout|language)(/|$)|\.(pdf|csv|json|ics|atom|xml|md|txt|py)$"
    r"|/(feed|export|minutes\.md|minutes\.pdf)(/|$)"
)

# A table is clipped when it is wider than the box that holds it and no focusable ancestor
# scrolls it; a word is broken when its letters lie on two lines.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  for (const table of document.querySelectorAll('main table')) {
    const width = table.getBoundingClientRect().width;
    if (!width) continue;
    let box = table.parentElement, scroller = null;
    while (box && box !== document.body) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { scroller = box; break; }
      box = box.parentElement;
    }
    const name = table.caption ? table.caption.textContent.trim().slice(0, 40)
                               : (table.className || 'table');
    if (scroller) {
      if (scroller.scrollWidth > scroller.clientWidth + 1 && scroller.tabIndex < 0)
        problems.push(`table "${name}" scrolls in a region that cannot be focused`);
    } else {
      const holder = table.parentElement.getBoundingClientRect();
      const right = table.getBoundingClientRect().right;
      if (right > Math.min(holder.right, window.innerWidth) + 1)
        problems.push(`table "${name}" is cut off: ${Math.round(right)}px wide`);
    }
  }
  const main = document.querySelector('main');
  if (main) {
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    const words = /\\p{L}{4,24}/gu;
    let node, broken = 0;
    while ((node = walker.nextNode()) && broken < 5) {
      const parent = node.parentElement;
      if (!parent || !parent.offsetParent || parent.closest('pre, code, .visually-hidden'))
        continue;
      // an address (a link's text) may wrap anywhere
      if (/^\\s*(https?:\\/\\/|\\/)\\S*\\s*$/.test(node.textContent)) continue;
      for (const match of node.textContent.matchAll(words)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                                         .map(r => Math.round(r.top)));
        if (lines.size > 1) {
          problems.push(`word "${match[0]}" broken over two lines`);
          broken += 1;
        }
      }
    }
  }
  return problems;
}"""


def kind_of(path: str) -> str:
    """/meetings/12/live?x=1 -> /meetings/<n>/live?x: one kind per route and query keys."""
    parts = urlsplit(path)
    route = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return route + ("?" + "&".join(keys) if keys else "")


def links_on(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        if not url.startswith(origin):
            continue
        path = url[len(origin) :] or "/"
        parts = urlsplit(path)
        if not SKIP.search(parts.path) and "next=" not in parts.query:  # the login page again
            found.append(path)
    return found


def sweep(
    page: Page, origin: str, every_one: dict[str, int], start: str = "/"
) -> tuple[list[str], list[str]]:
    """Crawl from `start`, the kinds of address seen least first (`every_one`: the kinds whose
    every page is read, with their number); returns the pages seen and the problems found."""
    queue, seen, kinds = [start], set(), Counter()
    visited, problems = [], []
    while queue and len(visited) < AT_MOST:
        path = min(queue, key=lambda p: kinds[kind_of(p)])  # the first of the least seen kind
        queue.remove(path)
        kind = kind_of(path)
        if path in seen or kinds[kind] >= every_one.get(kind, PER_KIND):
            continue
        seen.add(path)
        kinds[kind] += 1
        response = page.goto(path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(path)
        if response.status >= 500:
            problems.append(f"{path}: answered {response.status}")
            continue
        page.wait_for_load_state("load")
        try:
            axe_check(page)
        except pytest.fail.Exception as failure:
            problems.append(f"{path}: {failure}")
        overflow = horizontal_overflow(page)
        if overflow:
            problems.append(f"{path}: the page scrolls sideways by {overflow}px")
        problems += [f"{path}: {problem}" for problem in page.evaluate(LAYOUT_PROBLEMS)]
        queue += [link for link in links_on(page, origin) if link not in seen and link not in queue]
    return visited, problems


@pytest.mark.parametrize("visitor", ["public", "member"])
def test_every_demo_page_reads_well_on_a_phone(demo, new_context, live_server, visitor):
    page = new_context(PHONE).new_page()
    if visitor == "member":
        log_in(page, "consigliere1@example.org", DEMO_PASSWORD)
    started = time.monotonic()
    every_one = {  # the demo's every meeting and every decision, whatever its state
        "/meetings/<n>": db.session.scalar(select(func.count(Meeting.id))),
        "/decisions/<n>/<n>": db.session.scalar(select(func.count(Decision.id))),
    }
    visited, problems = sweep(page, live_server.url, every_one)
    print(f"{visitor}: {len(visited)} pages in {time.monotonic() - started:.0f} s")
    assert len(visited) >= 30, visited  # the crawl reached the site, not only the home
    seen = Counter(kind_of(path) for path in visited)
    assert all(seen[kind] == number for kind, number in every_one.items()), (every_one, visited)
    assert not problems, "\n".join(problems)


def reads_well(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0
    assert page.evaluate(LAYOUT_PROBLEMS) == []


def test_the_admin_sees_every_column_of_the_accounts_on_a_phone(page, make_user, admin):
    """At 360 px the roles, the status and the approval were off the screen, with no sign."""
    waiting = make_user("stakeholder", status=AccountStatus.PENDING, name="Caterina Bazzani")
    log_in(page, admin.email)
    page.goto("/admin/users")
    row = page.locator("main tbody tr", has_text=waiting.name)
    for visible in ("Portatore di interesse", "In attesa di approvazione"):
        expect(row.get_by_text(visible)).to_be_visible()
    approve = row.get_by_role("button", name="Approva")
    expect(approve).to_be_visible()
    box = approve.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    reads_well(page)


def test_the_count_boxes_of_a_vote_keep_their_words_whole_on_a_phone(new_context, make_user):
    council = make_council(make_user, members=3)
    meeting = running_meeting(council)
    poll = poll_on(council, meeting)
    phone = new_context(PHONE).new_page()
    log_in(phone, council.members[0].email)
    phone.goto(f"/meetings/{meeting.id}/live")
    wait_live(phone)
    run(polls.cast_ballot, council.members[1], poll, "in_favour", "sweep-1")
    numbers = phone.locator(".vote-numbers")
    expect(numbers.locator(".vote-in_favour dd")).to_have_text("1")
    expect(numbers.locator(".vote-in_favour dt")).to_have_text("Favorevole")
    reads_well(phone)
    # the chair's console holds the same boxes in a narrow column, on a laptop and a phone
    for viewport in (DESKTOP, PHONE):
        console = new_context(viewport).new_page()
        log_in(console, council.chair.email)
        console.goto(f"/meetings/{meeting.id}/console")
        wait_live(console)
        expect(console.locator(".vote-numbers .vote-in_favour dd")).to_have_text("1")
        reads_well(console)
    run(polls.close_poll, council.chair, poll)
    expect(phone.locator(".vote-outcome")).to_be_visible()
    expect(phone.locator(".vote-table")).to_contain_text(council.members[1].name)
    reads_well(phone)
