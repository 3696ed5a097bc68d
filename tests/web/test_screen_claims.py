"""Promises the pages make about votes and the record, each checked as a reader would check it
(issue 18, finding 8; the whole list, with the tests of the other claims, is in
docs/voting.md, "What the screens promise"):

- "Every decision is recorded in a verifiable public record" and a named vote's "each vote is
  public": what the poll's page and the open data say each member voted is what the public
  record says, event by event (the last of each member's ballot events), a change and a vote
  by proxy included; and the record verifies.
- "A vote cannot be changed once cast" (a named poll without changes allowed) and "A secret
  vote cannot be changed once cast" (even when the chair allowed changes): a second ballot
  from the page's form is refused and changes nothing.
- "The platform only adds events and never alters one": the events written before a vote are
  the same, byte for byte, after it.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from council.domain.record import record
from council.domain.voting import polls, proxies
from council.extensions import db
from council.models.poll import Ballot, Participation, SecretTally
from tests.factories import reread
from tests.meeting_helpers import detach, make_council, run, running_meeting
from tests.web.test_live_votes import ballot_ids
from tests.web.test_meetings import post, text

YES, NO, ABST = "in_favour", "against", "abstain"
POPOLO = {YES: "yes", NO: "no", ABST: "abstain"}


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user, members=4))


def public_record(web) -> list[dict]:
    body = web.get("/api/v1/record?limit=1000").get_data(as_text=True)
    return [json.loads(line) for line in body.splitlines()]


def prepare(council, meeting, kind, **kw):
    """Prepared and opened on the meeting's first item (its items loaded while the test's
    session lasts: a request ends it)."""
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind=kind, rule="simple", question="Approvare il punto?", **kw)  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    return poll


def test_each_named_vote_shown_is_the_one_the_public_record_holds(council, make_web):
    a, b, c, absent = council.members
    meeting = running_meeting(council, present=[council.chair, council.secretary, a, b, c])
    run(proxies.grant, absent, meeting.id, c.public_id)
    poll = prepare(council, meeting, "named", allow_change=True)
    run(polls.cast_ballot, a, poll.id, YES, "a-1")
    run(polls.cast_ballot, a, poll.id, NO, "a-2")  # a change
    run(polls.cast_ballot, b, poll.id, ABST, "b-1")
    run(polls.cast_ballot, c, poll.id, YES, "c-1")
    run(polls.cast_ballot, c, poll.id, NO, "c-for-absent", for_member=absent.public_id)
    run(polls.close_poll, council.chair, poll.id)

    public = make_web()
    last = {}
    for event in public_record(public):
        if event["subject"] == f"poll:{poll.id}" and event["kind"].startswith("ballot."):
            data = json.loads(event["data"]) if isinstance(event["data"], str) else event["data"]
            last[data.get("for", data["voter"])] = data["choice"]
    assert last == {a.public_id: NO, b.public_id: ABST, c.public_id: YES, absent.public_id: NO}

    events = public.get("/api/v1/popolo/vote-events").get_json()["vote_events"]
    (published,) = [e for e in events if e["id"] == f"poll:{poll.id}"]
    cast = {v["voter_id"]: v["option"] for v in published["votes"]
            if v["option"] in ("yes", "no", "abstain")}  # fmt: skip
    assert cast == {member: POPOLO[choice] for member, choice in last.items()}
    silent = {v["voter_id"]: v["option"] for v in published["votes"] if v["voter_id"] not in cast}
    assert silent == {council.chair.public_id: "not voting",  # in the room, no vote
                      council.secretary.public_id: "not voting"}  # fmt: skip
    page = text(public.get(f"/polls/{poll.id}"))
    names = {a.public_id: a.name, b.public_id: b.name, c.public_id: c.name,
             absent.public_id: absent.name}  # fmt: skip
    words = {YES: "favorevole", NO: "contrario", ABST: "astenuto"}
    for member, choice in last.items():
        row = page[page.index(names[member]) :][:400]
        assert words[choice] in row.lower(), (names[member], row)
    reread()
    assert record.verify(db.session).ok


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_a_vote_said_final_is_refused_a_change_from_the_page(council, make_web, kind):
    meeting = running_meeting(council)
    # the chair allows changes for the secret poll: the page says it still cannot change
    poll = prepare(council, meeting, kind, allow_change=kind == "secret")
    member = make_web()
    member.login(council.members[0].email)
    page = f"/meetings/{meeting.id}"
    shown = text(member.get(page))
    said = "Un voto segreto, una volta espresso, non si può cambiare." if kind == "secret" else (
        "Il voto espresso non si può cambiare.")  # fmt: skip
    assert said in shown
    first = {"choice": YES, "client_ballot_id": ballot_ids(shown)["me"], "confirm": "1"}
    assert post(member, f"{page}/polls/{poll.id}/ballot", first, page=page).status_code == 302
    second = {"choice": NO, "client_ballot_id": "another-submission", "confirm": "1"}
    refused = post(member, f"{page}/polls/{poll.id}/ballot", second, page=page)
    assert refused.status_code == 409 and "non può essere cambiato" in text(refused)
    reread()
    if kind == "named":
        assert db.session.execute(select(Ballot.choice)).scalars().all() == [YES]
    else:
        assert db.session.scalar(select(func.count(Participation.id))) == 1
        counts = dict(db.session.execute(select(SecretTally.choice, SecretTally.count)).all())
        assert (counts.get(YES, 0), counts.get(NO, 0)) == (1, 0)


def test_the_events_written_before_a_vote_are_the_same_after_it(council, make_web):
    meeting = running_meeting(council)
    poll = prepare(council, meeting, "named", allow_change=True)
    public = make_web()
    before = public_record(public)
    run(polls.cast_ballot, council.members[0], poll.id, YES, "m-1")
    run(polls.cast_ballot, council.members[0], poll.id, NO, "m-2")
    run(polls.close_poll, council.chair, poll.id)
    after = public_record(public)
    assert after[: len(before)] == before and len(after) > len(before)
