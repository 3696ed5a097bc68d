"""Demo: the autumn session that decided the demo's oldest proposals. A proposal is approved
or rejected only by the council's vote in a meeting (council/domain/proposals/proposals.py), so the
proposals the demo shows as decided have that trail: this session, convened, opened, a named
vote on each, their numbered decisions. Told at the story's time (council/clock.py), so its
rows and record events carry the dates of that afternoon."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from council import clock
from council.clock import ROME
from council.domain.meetings import agenda, attendance, live_session, meetings
from council.domain.voting import polls
from council.models.meeting import Meeting
from council.models.proposal import Proposal
from council.models.user import User

PLACE = "Sala dei Giudici, Palazzo della Loggia, piazza della Loggia 1, Brescia"
TITLE = "Seduta ordinaria d'autunno del Consiglio di indirizzo"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME).astimezone(UTC)


def hold(
    db: Session, secretary: User, chair: User, decided: list[tuple[Proposal, bool]], day: date
) -> Meeting:
    """A session on `day` at 17:30 whose named votes approve or reject each proposal (already
    on the agenda) as `decided` says; the clock is left at the session's close."""
    start = _at(day, 17, 30)
    clock.set_story(start - timedelta(days=12))
    meeting = meetings.create(
        db, secretary, title=TITLE, starts_at=start, ends_at=start + timedelta(hours=2),
        place=PLACE, description="Seduta ordinaria: voto sulle proposte giunte al Consiglio.",
    )  # fmt: skip
    items = [
        agenda.add_item(
            db, secretary, meeting.id, title=f"Proposta: {proposal.title}", proposal_id=proposal.id
        )
        for proposal, _approved in decided
    ]
    clock.set_story(start - timedelta(days=10))
    meetings.convene(db, secretary, meeting.id)
    members = meetings.members(db)
    others = [p for p in members if p.id not in (chair.id, secretary.id)]
    present = [chair, secretary, *others[:15]]
    clock.set_story(start - timedelta(minutes=10))
    for person in present:
        attendance.check_in(db, person, meeting.id)
    clock.set_story(start + timedelta(minutes=3))
    live_session.open_session(db, chair, meeting.id)
    for n, (item, (proposal, approved)) in enumerate(zip(items, decided, strict=True)):
        begin = start + timedelta(minutes=5 + 35 * n)
        clock.set_story(begin)
        live_session.move_to(db, chair, meeting.id, item.id)
        clock.set_story(begin + timedelta(minutes=25))
        poll = polls.prepare_poll(
            db, chair, meeting.id, item_id=item.id, kind="named", rule="simple",
            question=f"Approvare la proposta «{proposal.title}»?",
        )  # fmt: skip
        polls.open_poll(db, chair, poll.id)
        for k, person in enumerate(present):
            clock.set_story(begin + timedelta(minutes=25, seconds=15 + 7 * k))
            yes = k % 5 != 4 if approved else k % 4 == 0
            choice = "in_favour" if yes else "abstain" if k % 7 == 3 else "against"
            polls.cast_ballot(db, person, poll.id, choice, f"demo-autumn-{poll.id}-{k}")
        clock.set_story(begin + timedelta(minutes=29))
        polls.close_poll(db, chair, poll.id)
        clock.set_story(begin + timedelta(minutes=30))
        verb = "approva" if approved else "respinge"
        decision = polls.record_decision(
            db, secretary, poll.id,
            f"Il Consiglio di indirizzo del welfare {verb} la proposta **«{proposal.title}»**.",
        )  # fmt: skip
        assert decision is not None  # an item's poll ends in a decision
        outcome = "Proposta approvata" if approved else "Proposta respinta"
        agenda.update_item(db, secretary, meeting.id, item.id,
                           outcome=f"{outcome} (deliberazione n. {decision.number}).")  # fmt: skip
    clock.set_story(start + timedelta(minutes=10 + 35 * len(decided)))
    live_session.close(db, chair, meeting.id)
    db.flush()
    return meeting
