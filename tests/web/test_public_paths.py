"""The addresses the domain stores and mails (council/public_paths.py) are the site's routes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from council import public_paths
from council.models.poll import Decision

ONE = SimpleNamespace(id=7, proposal_id=3, number=2, root_id=5)
DECISION = Decision(year=2026, seq=4)
# path -> the arguments its route must read from it
PATHS = {
    public_paths.proposal(ONE): {"proposal_id": 7},
    public_paths.amendment(ONE): {"proposal_id": 3, "number": 2},
    public_paths.comment(ONE): {"proposal_id": 3, "comment_id": 5},
    public_paths.meeting(ONE): {"meeting_id": 7},
    public_paths.consultation(ONE): {"consultation_id": 7},
    public_paths.decision(DECISION, "implementation"): {"year": 2026, "seq": 4},
    public_paths.account(ONE): {"user_id": 7},
}


@pytest.mark.parametrize("path", list(PATHS))
def test_each_public_path_is_a_page_of_the_site(app, path):
    _endpoint, args = app.url_map.bind("localhost").match(path.split("#")[0], method="GET")
    assert args == PATHS[path]


def test_a_comment_is_found_in_its_thread_and_a_decision_by_its_number():
    assert public_paths.comment(ONE) == "/proposals/3/comments/5#c-7"
    assert public_paths.decision(DECISION, "implementation") == "/decisions/2026/004#implementation"
