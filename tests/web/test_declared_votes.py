"""Votes declared aloud (appello nominale) without JavaScript: the console lists the members
present who have not voted, a choice asks to confirm on a page of its own, the confirmed vote
counts once, and the poll's page, the decision's page and the minutes say it was declared
aloud and who entered it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from council.domain.archive import minutes
from council.domain.meetings import live_session
from council.domain.voting import polls
from council.extensions import db
from council.models.poll import Ballot, Decision
from tests.factories import reread
from tests.meeting_helpers import detach, make_council
from tests.poll_helpers import run, voting_meeting
from tests.web.test_live_votes import latest_poll
from tests.web.test_meetings import post, text


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user, members=4))


def declared_list(page: str) -> str:
    found = re.search(r'<ul class="plain-list declared-list".*?</ul>', page, re.S)
    return found.group(0) if found else ""


def client_id(page: str, member: str) -> str:
    form = re.search(rf'<li data-declare-member="{member}">.*?</li>', page, re.S).group(0)
    return re.search(r'name="client_id" value="([^"]+)"', form).group(1)


def test_a_vote_declared_aloud_through_the_plain_forms(as_, council):
    a, b, c, d = council.members
    meeting = voting_meeting(council)
    page, console = f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/console"
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="named", rule="simple", question="Approvare il punto?")  # fmt: skip
    secretary, chair, member_a = as_(council.secretary), as_(council.chair), as_(a)
    assert "<li" not in declared_list(text(secretary.get(console)))  # no poll open yet
    run(polls.open_poll, council.chair, poll.id)
    run(polls.cast_ballot, b, poll.id, "against", "b-1")

    desk = text(secretary.get(console))
    listed = declared_list(desk)
    assert "Voti dichiarati a voce" in desk and c.name in listed and d.name in listed
    assert b.name not in listed  # voted already
    declare = f"{page}/polls/{poll.id}/declare"
    form = {"member": c.public_id, "choice": "in_favour", "client_id": client_id(desk, c.public_id),
            "next": console}  # fmt: skip

    # the first post asks to confirm, and changes nothing
    asked = secretary.post(declare, form, token_from=console)
    assert asked.status_code == 200
    shown = text(asked)
    assert "Conferma il voto dichiarato a voce" in shown
    assert f"{c.name} dichiara a voce: favorevole." in shown
    assert 'name="confirm" value="1"' in shown
    reread()
    assert db.session.scalar(select(func.count(Ballot.id)).where(Ballot.poll_id == poll.id)) == 1

    # a member may not enter one; a confirmed one counts once, however often it is sent
    refused = post(member_a, declare, form | {"confirm": "1"}, page=page)
    assert refused.status_code == 403
    for _twice in range(2):
        done = post(secretary, declare, form | {"confirm": "1"}, page=console)
        assert done.status_code == 302 and done.headers["Location"].endswith("/console")
    shown = text(secretary.get(console))
    assert f"Registrato il voto dichiarato a voce da {c.name}: favorevole." in shown
    assert c.name not in declared_list(shown)
    assert f"dichiarato a voce, registrato da {council.secretary.name}" in shown  # named list
    late = post(chair, declare, form | {"member": b.public_id, "client_id": "f-b", "confirm": "1"},
                page=console)  # fmt: skip
    assert late.status_code == 409 and f"{b.name} ha già votato" in text(late)
    reread()
    assert db.session.scalar(select(func.count(Ballot.id)).where(Ballot.poll_id == poll.id)) == 2

    run(polls.cast_ballot, a, poll.id, "in_favour", "a-1")
    run(polls.close_poll, council.chair, poll.id)
    run(polls.record_decision, council.secretary, poll.id)
    label = f"dichiarato a voce, registrato da {council.secretary.name}"
    poll_page = text(as_().get(f"/polls/{poll.id}"))
    assert label in poll_page and poll_page.count("dichiarato a voce") == 1
    reread()
    decision = db.session.scalar(select(Decision).where(Decision.poll_id == poll.id))
    decision_page = text(as_().get(f"/decisions/{decision.year}/{decision.seq:03d}"))
    assert label in decision_page

    record_page = text(as_().get(f"/record?subject=poll:{poll.id}"))
    assert f"Dichiarato a voce, registrato da {council.secretary.name}." in record_page

    run(live_session.close, council.chair, meeting.id)
    run(minutes.draft, council.secretary, meeting.id)
    draft = text(secretary.get(f"{page}/minutes"))
    assert f"{c.name} (dichiarato a voce, registrato da {council.secretary.name})" in draft


def test_a_secret_poll_lists_nobody_to_declare_and_refuses_a_forged_form(as_, council):
    meeting = voting_meeting(council)
    page, console = f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/console"
    run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
        kind="secret", rule="simple", question="Nominare il rappresentante?")  # fmt: skip
    poll = latest_poll()
    run(polls.open_poll, council.chair, poll.id)
    chair = as_(council.chair)
    assert "<li" not in declared_list(text(chair.get(console)))
    forged = {"member": council.members[0].public_id, "choice": "in_favour", "client_id": "f-1",
              "confirm": "1", "next": console}  # fmt: skip
    refused = post(chair, f"{page}/polls/{poll.id}/declare", forged, page=console)
    assert refused.status_code == 409 and "voto segreto non si dichiara a voce" in text(refused)
