"""Factories for the pages of polls and decisions: a council with both groups, and whole votes
run through the domain operations (prepare, open, ballots, proxies, conflicts, close, decide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from council.domain.meetings import agenda, attendance, live_session, meetings
from council.domain.proposals import amendments
from council.domain.voting import polls, proxies
from council.extensions import db
from council.models.meeting import Meeting
from council.models.poll import Decision, Poll
from council.models.proposal import Amendment, Proposal
from council.models.user import CouncilGroup, User
from council.unit_of_work import unit_of_work
from tests.factories import BODY, fresh, make_proposal, reread
from tests.meeting_helpers import Council, new_meeting, run

ADMINISTRATION, THIRD_SECTOR = CouncilGroup.ADMINISTRATION, CouncilGroup.THIRD_SECTOR


def group_council(make_user) -> Council:
    """Chair, secretary and three more of the administration, four of the third sector and
    one member without a group: ten members, quorum six."""
    admin_side = {"council_group": ADMINISTRATION}
    third = {"council_group": THIRD_SECTOR}
    people = [
        *(make_user("member", name=f"Assessore {n}", **admin_side) for n in (1, 2, 3)),
        *(make_user("member", name=f"Realtà {n}", **third) for n in (1, 2, 3, 4)),
        make_user("member", name="Zeno Senzagruppo", council_group=None),
    ]
    return Council(
        chair=make_user("chair", "member", name="Teresa Presidente", **admin_side),
        secretary=make_user("secretary", "member", name="Pietro Segretario", **admin_side),
        members=people,
        stakeholder=make_user("stakeholder", name="Portatrice di interesse"),
        admin=make_user("admin", name="Amministratrice"),
    )


def voting_meeting(
    council: Council,
    *,
    proposal: Proposal | None = None,
    present: list[User] | None = None,
    second_item: bool = False,
) -> Meeting:
    """A running meeting whose first item (tied to `proposal` if given) is under discussion,
    with these members checked in (everyone by default); a second item without a proposal
    when asked."""
    meeting = new_meeting(council.secretary, items=0)
    with unit_of_work() as session:
        item = agenda.add_item(session, council.secretary, meeting.id, title="Punti di ascolto",
                               proposal_id=proposal.id if proposal else None)  # fmt: skip
        if second_item:
            agenda.add_item(session, council.secretary, meeting.id,
                            title="Nomina del rappresentante ai tavoli di zona")  # fmt: skip
        meetings.convene(session, council.secretary, meeting.id)
    with unit_of_work() as session:
        live_session.open_session(session, council.chair, meeting.id)
        live_session.move_to(session, council.chair, meeting.id, item.id)
    for person in council.all_members if present is None else present:
        run(attendance.check_in, person, meeting.id)
    return fresh(meeting)


def amendment_before_item(council: Council) -> tuple[Meeting, int, int]:
    """A running meeting whose item has two polls prepared, the item's first and then its
    amendment's (which must be voted first): the meeting, the item's poll, the amendment's."""
    proposal = make_proposal(council.stakeholder)
    amendment = run(amendments.propose, council.members[0], proposal, body=f"{BODY}\n\nAggiunta.",
                    reason="Una verifica.")  # fmt: skip
    run(amendments.send_to_vote, council.stakeholder, amendment)
    meeting = voting_meeting(council, proposal=proposal)
    item = meeting.items[0].id
    on_item = run(polls.prepare_poll, council.chair, meeting.id, item_id=item, kind="named",
                  rule="simple", question="Approvare la proposta?")  # fmt: skip
    on_amendment = run(polls.prepare_poll, council.chair, meeting.id, item_id=item,
                       kind="named", rule="simple", question="Approvare l'emendamento?",
                       amendment_id=amendment.id)  # fmt: skip
    return meeting, on_item.id, on_amendment.id


@dataclass
class Vote:
    """What happens in one poll: choices by member, statements, proxies (the absent member →
    the present holder, who then votes for them), conflicts declared."""

    choices: dict[User, str] = field(default_factory=dict)
    reasons: dict[User, str] = field(default_factory=dict)
    by_proxy: dict[User, tuple[User, str]] = field(default_factory=dict)
    conflicts: list[User] = field(default_factory=list)


def prepare(council: Council, meeting: Meeting, *, kind: str = "named", rule: str = "simple",
            question: str = "Approvare la proposta?", item: int = 0, **kw) -> Poll:  # fmt: skip
    return run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[item].id,
               kind=kind, rule=rule, question=question, **kw)  # fmt: skip


def hold(council: Council, meeting: Meeting, vote: Vote, *, close: bool = True,
         decide: bool = True, **prepare_kw) -> tuple[Poll, Decision | None]:  # fmt: skip
    """Prepare, open, vote, and (unless told) close and record the decision."""
    for absent, (holder, _choice) in vote.by_proxy.items():
        run(proxies.grant, absent, meeting.id, holder.public_id)  # again: changes nothing
    poll = prepare(council, meeting, **prepare_kw)
    run(polls.open_poll, council.chair, poll.id)
    for person in vote.conflicts:
        run(polls.declare_conflict, person, poll.id)
    for person, choice in vote.choices.items():
        reason = vote.reasons.get(person)
        run(polls.cast_ballot, person, poll.id, choice, f"{person.public_id}-{poll.id}",
            reason=reason)  # fmt: skip
    for absent, (holder, choice) in vote.by_proxy.items():
        run(polls.cast_ballot, holder, poll.id, choice, f"proxy-{absent.public_id}-{poll.id}",
            for_member=absent.public_id)  # fmt: skip
    decision = None
    if close:
        run(polls.close_poll, council.chair, poll.id)
        if decide:
            decision = run(polls.record_decision, council.secretary, poll.id)
    return poll, decision


AMENDED = "Il servizio è valutato dopo un anno con un rapporto pubblico al Consiglio."


@dataclass
class Story:
    """A meeting with an amendment voted before its item, the item's named poll (statements, a
    proxy, a conflict of interest, both groups) approved as decision 1, and a secret poll on a
    second item rejected as decision 2."""

    council: Council
    meeting: Meeting
    proposal: Proposal
    amendment: Amendment
    amendment_poll: Poll
    named: Poll
    approved: Decision
    secret: Poll
    rejected: Decision


def story(council: Council) -> Story:
    a1, a2, a3, r1, r2, r3, r4, zeno = council.members
    proposal = make_proposal(council.stakeholder)
    amendment = run(amendments.propose, a1, proposal, body=f"{BODY}\n\n{AMENDED}",
                    reason="Una verifica pubblica dopo il primo anno.")  # fmt: skip
    run(amendments.send_to_vote, council.stakeholder, amendment)
    present = [p for p in council.all_members if p is not r4]
    meeting = voting_meeting(council, proposal=proposal, present=present, second_item=True)
    everyone_yes = Vote(choices=dict.fromkeys(present, "in_favour"))
    amendment_poll, _none = hold(council, meeting, everyone_yes, amendment_id=amendment.id,
                                 question="Approvare l'emendamento n. 1?")  # fmt: skip
    vote = Vote(
        choices={council.chair: "in_favour", a1: "in_favour", a2: "in_favour",
                 council.secretary: "abstain", r1: "against", r2: "against", r3: "in_favour",
                 zeno: "in_favour"},
        reasons={a1: "Serve ai quartieri più lontani dai servizi.",
                 r1: "Le cooperative non sono state ascoltate abbastanza."},
        by_proxy={r4: (r1, "against")},
        conflicts=[a3],
    )  # fmt: skip
    named, approved = hold(council, meeting, vote)
    run(live_session.move_to, council.chair, meeting.id, meeting.items[1].id)
    secret_vote = Vote(choices={council.chair: "in_favour", a1: "in_favour",
                                **dict.fromkeys([a2, a3, r1, r2, r3], "against"),
                                council.secretary: "abstain", zeno: "against"})  # fmt: skip
    secret, rejected = hold(council, meeting, secret_vote, kind="secret", item=1,
                            rule="absolute_present", question="Nominare Zeno?")  # fmt: skip
    return Story(council, *settle(meeting, proposal, amendment, amendment_poll, named, approved,
                                  secret, rejected))  # fmt: skip


def settle(*rows):
    """The rows as committed, loaded and detached: usable after HTTP requests (each request
    ends the thread's session), as tests/meeting_helpers.detach does for people."""
    reread()
    for row in rows:
        db.session.refresh(row)
        db.session.expunge(row)
    return rows
