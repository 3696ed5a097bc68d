"""The snapshot tells beforehand what `poll.open` would answer: each prepared poll's refusal is
the reason open_poll gives when tried (the one rule, council/domain/meetings/opening.py), and None
exactly when it opens."""

from __future__ import annotations

import pytest

from council.domain.meetings import attendance, live_session, opening
from council.domain.proposals import amendments
from council.domain.voting import polls
from council.errors import InvalidState
from tests.factories import BODY, make_proposal
from tests.meeting_helpers import make_council, run
from tests.meeting_helpers import state as meeting_state
from tests.poll_helpers import voting_meeting


@pytest.fixture
def council(make_user):
    return make_council(make_user)  # chair, secretary and 4 members: quorum 4 of 6


def said_and_done(meeting, poll_id: int, chair) -> tuple[str | None, str | None]:
    """(the snapshot's refusal, what open_poll says when tried: None if it opened)."""
    said = next(p for p in meeting_state(meeting)["polls"] if p["id"] == poll_id)["refusal"]
    try:
        run(polls.open_poll, chair, poll_id)
    except InvalidState as refused:
        return said, refused.message
    return said, None


def test_the_snapshot_gives_the_reason_open_poll_gives(council):
    proposal = make_proposal(council.stakeholder)
    amendment = run(amendments.propose, council.members[0], proposal, body=f"{BODY}\n\nAggiunta.",
                    reason="Una verifica.")  # fmt: skip
    run(amendments.send_to_vote, council.stakeholder, amendment)
    meeting = voting_meeting(council, proposal=proposal, second_item=True,
                             present=council.all_members[:3])  # fmt: skip
    item, other = meeting.items[0].id, meeting.items[1].id

    def prepare(item_id, **kw):
        return run(polls.prepare_poll, council.chair, meeting.id, item_id=item_id,
                   kind="named", rule="simple", question="Approvare?", **kw).id  # fmt: skip

    on_item, on_other = prepare(item), prepare(other)
    on_amendment = prepare(item, amendment_id=amendment.id)

    def reason(code):
        return str(opening.POLL_REFUSALS[code])

    assert said_and_done(meeting, on_other, council.chair) == ("other_item", reason("other_item"))
    assert said_and_done(meeting, on_item, council.chair) == (
        "amendments_first", reason("amendments_first"))  # fmt: skip
    assert said_and_done(meeting, on_amendment, council.chair) == (
        "no_quorum", reason("no_quorum"))  # fmt: skip
    run(attendance.check_in, council.members[1], meeting.id)
    assert said_and_done(meeting, on_amendment, council.chair) == (None, None)  # it opened
    assert said_and_done(meeting, on_item, council.chair)[0] == "other_open"

    with_closed = voting_meeting(council)
    poll = run(polls.prepare_poll, council.chair, with_closed.id,
                            item_id=with_closed.items[0].id, kind="named", rule="simple",
                            question="Approvare?").id  # fmt: skip
    run(live_session.suspend, council.chair, with_closed.id)
    assert said_and_done(with_closed, poll, council.chair) == (
        "not_in_progress", reason("not_in_progress"))  # fmt: skip
