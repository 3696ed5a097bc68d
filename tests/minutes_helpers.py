"""Factories for the minutes' tests: a closed meeting with a whole history (tests/poll_helpers'
story, two speeches, the close), its draft, and a later meeting whose vote approves them."""

from __future__ import annotations

from dataclasses import dataclass

from council.domain.archive import minutes
from council.domain.meetings import attendance, live_session, meetings, speakers
from council.extensions import db
from council.models.meeting import AgendaItem, Meeting
from council.models.minutes import Minutes
from council.models.poll import Decision, Poll
from tests.factories import fresh
from tests.meeting_helpers import Council, new_meeting
from tests.poll_helpers import Story, Vote, hold, run, settle, story


@dataclass
class Closed:
    """The story's meeting, closed after two speeches on its second item."""

    told: Story
    council: Council
    meeting: Meeting


def closed_story(council: Council) -> Closed:
    told = story(council)
    meeting_id = told.meeting.id
    a1, r1 = council.members[0], council.members[3]
    for n, person in enumerate((a1, r1)):
        kind = "reply" if n else "intervention"
        row = run(speakers.request, person, meeting_id, kind=kind, client_id=f"talk-{n}")
        run(speakers.give_floor, council.chair, meeting_id, row.id)
        run(speakers.end_floor, council.chair, meeting_id, row.id)
    run(live_session.close, council.chair, meeting_id)
    return Closed(told, council, fresh(told.meeting))


def drafted(closed: Closed) -> Minutes:
    found = run(minutes.draft, closed.council.secretary, closed.meeting.id)
    return settle(found)[0]


def later_meeting(
    council: Council, earlier: Meeting, *, present=None
) -> tuple[Meeting, AgendaItem]:
    """A later meeting with the earlier one's minutes on its agenda, running, that item under
    discussion, these members present (everyone by default)."""
    later = new_meeting(council.secretary, items=1, title="Seduta successiva")
    item = run(minutes.put_on_agenda, council.secretary, earlier.id, target_meeting_id=later.id)
    run(meetings.convene, council.secretary, later.id)
    run(live_session.open_session, council.chair, later.id)
    run(live_session.move_to, council.chair, later.id, item.id)
    for person in council.all_members if present is None else present:
        run(attendance.check_in, person, later.id)
    later = fresh(later)
    return later, next(i for i in later.items if i.id == item.id)


def vote_on_minutes(council: Council, later: Meeting, item: AgendaItem, *, approve: bool = True,
                    close: bool = True) -> tuple[Poll, Decision | None]:  # fmt: skip
    choice = "in_favour" if approve else "against"
    vote = Vote(choices=dict.fromkeys(council.all_members, choice))
    position = next(n for n, i in enumerate(later.items) if i.id == item.id)
    return hold(council, later, vote, item=position, close=close,
                question="Approvare il verbale della seduta precedente?")  # fmt: skip


def reload(found: Minutes) -> Minutes:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Minutes, found.id)
