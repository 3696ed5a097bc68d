"""A live meeting goes on while a stakeholder posts the costliest text there is, on the
production server (gunicorn; gevent on PostgreSQL, where one long rendering stopped the whole
process: `/healthz` waited 67 s and a viewer's socket was dropped). The text is refused within
the work budget, and the chair's check-ins are answered as usual meanwhile."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.conftest import PASSWORD
from tests.hostile_markdown import SHAPES
from tests.meeting_helpers import convened_meeting, make_council
from tests.realtime.live_helpers import CSRF, USER_AGENT, Client, login_cookie, ok
from tests.test_production_server import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow  # a gunicorn server process

WORST = SHAPES["link openers"](48_000)  # "[a](" * 12000: about 19 s of CPU before the budget


def logged_in(url: str, email: str) -> requests.Session:
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    token = CSRF.search(http.get(f"{url}/login", timeout=10).text).group(1)
    login = {"email": email, "password": PASSWORD, "csrf_token": token}
    answer = http.post(f"{url}/login", data=login, timeout=10, allow_redirects=False)
    assert answer.status_code == 302
    return http


def test_a_live_meeting_goes_on_while_the_worst_text_is_posted(server, make_user):  # noqa: F811
    url, _process = server
    council = make_council(make_user, members=2)
    meeting = convened_meeting(council)
    stakeholder = logged_in(url, council.stakeholder.email)
    token = CSRF.search(stakeholder.get(f"{url}/proposals/new", timeout=10).text).group(1)
    chair = Client(url, login_cookie(url, council.chair.email))
    viewer = Client(url)
    answers: list[tuple[int, float]] = []

    def post_the_worst() -> None:
        for _ in range(3):
            began = time.monotonic()
            answer = stakeholder.post(f"{url}/proposals/preview", data={"body": WORST},
                                      headers={"X-CSRFToken": token}, timeout=120)  # fmt: skip
            answers.append((answer.status_code, time.monotonic() - began))

    try:
        assert viewer.join(meeting.id)["ok"] and chair.join(meeting.id)["ok"]
        ok(chair.call("session.open", {"meeting": meeting.id}))
        posting = threading.Thread(target=post_the_worst)
        posting.start()
        waits = []
        for n in range(12):
            event = "attendance.check_in" if n % 2 == 0 else "attendance.check_out"
            began = time.monotonic()
            ok(chair.call(event, {"meeting": meeting.id}))
            waits.append(time.monotonic() - began)
        health = requests.get(f"{url}/healthz", timeout=10)
        posting.join(timeout=120)
        assert [status for status, _ in answers] == [422, 422, 422]
        # each refusal within the budget (tens of ms) plus the request; before: ~20 s each
        assert max(seconds for _, seconds in answers) < 5, answers
        # the room's answers as usual (tens of ms here; seconds to a minute before)
        assert max(waits) < 2, waits
        assert health.status_code == 200
        viewer.until(
            lambda s: s["meeting"]["state"] == "in_progress" and s["attendance"]["count"] == 0
        )
    finally:
        chair.close_in_background()
        viewer.close_in_background()
