"""The JSON the open data publishes (schemas in council/web/openapi.json): decisions, polls,
meetings, proposals, and the votes as Popolo vote events. Built only from what
council.domain.archive.open_data read as the public reads it: a person appears by public id, name
and council group, never by e-mail address; a secret poll by its totals and who took part.

Times are UTC in ISO 8601 with milliseconds and `Z`, as in the record; links are absolute,
from the PUBLIC_URL setting, so that they do not depend on the request's Host header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, url_for

from council import markdown
from council.domain.archive.open_data import BallotFact, MeetingFacts, Person, PollFacts
from council.domain.record import record
from council.domain.voting.poll_queries import GroupResult
from council.models.meeting import AgendaItem, Meeting
from council.models.poll import Choice, Decision, Poll, PollKind, PollState
from council.models.proposal import CosignState, Proposal
from council.models.user import CouncilGroup, User
from council.web.polls import GROUP_LABELS

JSON = dict[str, Any]
# Popolo's options for our choices.
POPOLO_OPTIONS = {Choice.IN_FAVOUR: "yes", Choice.AGAINST: "no", Choice.ABSTAIN: "abstain"}
COUNCIL_ID = "council"


def absolute(endpoint: str, **values: Any) -> str:
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def at(moment: datetime | None) -> str | None:
    return record.format_at(moment) if moment is not None else None


def text(source: str) -> JSON:
    """A markdown text with its sanitized HTML (council/markdown.py, as the pages render it)."""
    return {"markdown": source or "", "html": str(markdown.render(source or ""))}


def record_link(subject: str) -> JSON:
    """The subject's events in the public record."""
    return {"subject": subject, "url": absolute("main.record_page", subject=subject)}


def person(user: User | Person) -> JSON:
    return {
        "id": user.public_id,
        "name": user.name,
        "group": str(user.council_group) if user.council_group else None,
    }


def named(row: Any) -> JSON:
    return {"id": row.id, "name": row.name}


def group_id(group: CouncilGroup) -> str:
    return f"{COUNCIL_ID}/{group}"


# --- polls and decisions ----------------------------------------------------------------------


def outcome(poll: Poll) -> str | None:
    """approved / rejected / void, or None before the close."""
    if poll.state != PollState.CLOSED:
        return None
    if not poll.valid:
        return "void"
    return "approved" if poll.approved else "rejected"


def decision_ref(decision: Decision | None) -> JSON | None:
    if decision is None:
        return None
    return {
        "id": decision.id,
        "number": decision.number,
        "url": absolute("decisions.view", year=decision.year, seq=decision.seq),
        "api": absolute("open_data.decision", decision_id=decision.id),
    }


def item_ref(item: AgendaItem) -> JSON:
    return {"id": item.id, "number": item.position + 1, "title": item.title}


def meeting_ref(meeting: Meeting) -> JSON:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "starts_at": at(meeting.starts_at),
        "url": absolute("meetings.view", meeting_id=meeting.id),
        "api": absolute("open_data.meeting", meeting_id=meeting.id),
    }


def proposal_ref(proposal: Proposal | None) -> JSON | None:
    if proposal is None or proposal.submitted_at is None:
        return None
    return {
        "id": proposal.id,
        "title": proposal.title,
        "url": absolute("proposals.view", proposal_id=proposal.id),
        "api": absolute("open_data.proposal", proposal_id=proposal.id),
    }


def ballot(row: BallotFact) -> JSON:
    return {
        "member": person(row.member),
        "choice": str(row.choice),
        "by_proxy": row.by_proxy,
        "cast_by": person(row.voter) if row.by_proxy else None,
        "statement": row.statement or None,
    }


def group_result(result: GroupResult) -> JSON:
    prevailing = result.prevailing
    return {
        "group": str(result.group) if result.group else None,
        "name": str(GROUP_LABELS[result.group]),
        "in_favour": result.in_favour,
        "against": result.against,
        "abstain": result.abstain,
        "prevailing": str(prevailing) if prevailing else None,
    }


def poll(row: Poll, facts: PollFacts | None, decision: Decision | None) -> JSON:
    """A poll as the public page shows it: before the close only its question and state; after
    it, the counts the rule was applied to and the result; a named poll's ballots and results
    by group; a secret poll's participants (alphabetical) and no ballot (`null`)."""
    data: JSON = {
        "id": row.id,
        "kind": str(row.kind),
        "rule": str(row.rule),
        "question": row.question,
        "state": str(row.state),
        "item": item_ref(row.item),
        "amendment": (
            {"id": row.amendment.id, "number": row.amendment.number} if row.amendment else None
        ),
        "opened_at": at(row.opened_at),
        "closed_at": at(row.closed_at),
        "outcome": outcome(row),
        "result": None,
        "participants": None,
        "ballots": None,
        "groups": None,
        "conflicts": None,
        "decision": decision_ref(decision),
        "url": absolute("polls.view", poll_id=row.id),
        "record": record_link(f"poll:{row.id}"),
    }
    if row.state != PollState.CLOSED or facts is None:
        return data
    data["result"] = {
        "in_favour": row.yes,
        "against": row.no,
        "abstain": row.abstain,
        "present": row.present,
        "represented": row.represented,
        "members": row.members,
        "conflict": row.conflict,
        "needed": row.needed,
        "approved": bool(row.approved),
        "valid": bool(row.valid),
    }
    data["conflicts"] = [person(user) for user in facts.conflicts]
    if row.kind == PollKind.NAMED:
        data["participants"] = [person(b.member) for b in facts.ballots]
        data["ballots"] = [ballot(b) for b in facts.ballots]
        data["groups"] = [group_result(g) for g in facts.groups]
    else:
        data["participants"] = [person(user) for user in facts.participants]
    return data


def decision_title(decision: Decision) -> str:
    """What was decided: the proposal's title, or the agenda item's."""
    return decision.proposal.title if decision.proposal else decision.poll.item.title


def decision(row: Decision, facts: PollFacts | None) -> JSON:
    proposal = row.proposal
    voted = proposal_ref(proposal)
    if voted is not None and proposal is not None:
        # the version put to the vote is the current one: a decided proposal gets no other
        voted["version"] = proposal.current_version
    return {
        "id": row.id,
        "number": row.number,
        "year": row.year,
        "seq": row.seq,
        "date": row.decided_on.isoformat(),
        "recorded_at": at(row.recorded_at),
        "outcome": "approved" if row.poll.approved else "rejected",
        "title": decision_title(row),
        "text": text(row.text),
        "proposal": voted,
        "meeting": meeting_ref(row.poll.meeting),
        "item": item_ref(row.poll.item),
        "poll": poll(row.poll, facts, row),
        "url": absolute("decisions.view", year=row.year, seq=row.seq),
        "api": absolute("open_data.decision", decision_id=row.id),
        "record": record_link(f"decision:{row.id}"),
    }


# --- meetings ---------------------------------------------------------------------------------


def meeting(row: Meeting, facts: MeetingFacts) -> JSON:
    documents = [
        {"id": d.id, "title": d.title, "url": d.url, "item": d.item_id} for d in row.documents
    ]
    return {
        "id": row.id,
        "title": row.title,
        "state": str(row.state),
        "description": text(row.description),
        "starts_at": at(row.starts_at),
        "ends_at": at(row.ends_at),
        "place": row.place or None,
        "link": row.link or None,
        "convened_at": at(row.convened_at),
        "opened_at": at(row.opened_at),
        "closed_at": at(row.closed_at),
        "agenda": [
            {
                **item_ref(item),
                "description": text(item.description),
                "proposal": proposal_ref(item.proposal),
                "outcome": item.outcome or None,
            }
            for item in row.items
        ],
        "documents": documents,
        "attendance": {"attended": facts.attended, "present": facts.present},
        "polls": [
            {
                "id": p.id,
                "item": p.item_id,
                "kind": str(p.kind),
                "state": str(p.state),
                "question": p.question,
                "amendment": p.amendment_id,
                "outcome": outcome(p),
                "decision": decision_ref(facts.decisions.get(p.id)),
                "url": absolute("polls.view", poll_id=p.id),
            }
            for p in facts.polls
        ],
        "decisions": [decision_ref(d) for d in sorted(facts.decisions.values(), key=_number)],
        "url": absolute("meetings.view", meeting_id=row.id),
        "api": absolute("open_data.meeting", meeting_id=row.id),
        "calendar": absolute("meetings.calendar", meeting_id=row.id),
        "record": record_link(f"meeting:{row.id}"),
    }


def _number(decision: Decision) -> tuple[int, int]:
    return (decision.year, decision.seq)


# --- proposals --------------------------------------------------------------------------------


def proposal(row: Proposal, decided: Decision | None, *, versions: bool = False) -> JSON:
    """A submitted proposal: the co-signing organisations that accepted (an invitation is
    private), supports and counts; with `versions`, every version's text."""
    data: JSON = {
        "id": row.id,
        "title": row.title,
        "state": str(row.state),
        "submitted_at": at(row.submitted_at),
        "consultation_deadline": at(row.consultation_deadline),
        "last_activity_at": at(row.last_activity_at),
        "current_version": row.current_version,
        "author": person(row.author),
        "organisation": named(row.organisation) if row.organisation else None,
        "cosigners": sorted(
            (named(c.organisation) for c in row.cosigners if c.state == CosignState.ACCEPTED),
            key=lambda o: o["name"],
        ),
        "supports": sorted((named(s.organisation) for s in row.supports), key=lambda o: o["name"]),
        "topic": named(row.topic) if row.topic else None,
        "zones": [named(zone) for zone in row.zones],
        "counts": {"supports": row.support_count, "comments": row.comment_count},
        "decision": decision_ref(decided),
        "url": absolute("proposals.view", proposal_id=row.id),
        "api": absolute("open_data.proposal", proposal_id=row.id),
        "record": record_link(f"proposal:{row.id}"),
    }
    if versions:
        data["versions"] = [
            {
                "number": v.number,
                "title": v.title,
                "body": v.body,
                "change_note": v.change_note or None,
                "created_at": at(v.created_at),
            }
            for v in row.versions
        ]
    return data


# --- Popolo (https://www.popoloproject.com/specs/vote-event.html) ------------------------------


def popolo_organizations() -> list[JSON]:
    """The council and its two groups, as Popolo organizations."""
    council = {
        "id": COUNCIL_ID,
        "name": current_app.config["COUNCIL_NAME"],
        "classification": "council",
    }
    groups = [
        {"id": group_id(group), "name": str(GROUP_LABELS[group]), "classification": "group",
         "parent_id": COUNCIL_ID}
        for group in CouncilGroup
    ]  # fmt: skip
    return [council, *groups]


def _counts(yes: int, no: int, abstain: int) -> list[JSON]:
    return [
        {"option": "yes", "value": yes},
        {"option": "no", "value": no},
        {"option": "abstain", "value": abstain},
    ]


def _pass(yes: int, no: int) -> str:
    return "pass" if yes > no else "fail"


def vote_event(row: Poll, facts: PollFacts, decision: Decision | None) -> JSON:
    """A closed poll as a Popolo vote event. A named poll adds its votes and each group's
    result (`pass` when more of the group's votes were in favour than against); a secret poll
    has neither. A void poll (no quorum at the close) `fail`s, with `valid: false`."""
    data: JSON = {
        "id": f"poll:{row.id}",
        "identifier": decision.number if decision else None,
        "organization_id": COUNCIL_ID,
        "legislative_session_id": f"meeting:{row.meeting_id}",
        "legislative_session": {
            "id": f"meeting:{row.meeting_id}",
            "name": row.meeting.title,
            # Popolo's event schema: to the second, no milliseconds
            "start_date": row.meeting.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "motion": {
            "text": row.question,
            "classification": "amendment" if row.amendment_id else "agenda_item",
            "requirement": str(row.rule),
            "result": "pass" if row.approved and row.valid else "fail",
        },
        "start_date": at(row.opened_at),
        "end_date": at(row.closed_at),
        "result": "pass" if row.approved and row.valid else "fail",
        "valid": bool(row.valid),
        "secret": row.kind == PollKind.SECRET,
        "counts": _counts(row.yes or 0, row.no or 0, row.abstain or 0),
        "sources": [{"url": absolute("polls.view", poll_id=row.id)}],
    }
    if row.kind != PollKind.NAMED:
        return data
    data["group_results"] = [
        {
            "group_id": group_id(g.group),
            "group": {"id": group_id(g.group), "name": str(GROUP_LABELS[g.group])},
            "result": _pass(g.in_favour, g.against),
            "counts": _counts(g.in_favour, g.against, g.abstain),
        }
        for g in facts.groups
        if g.group is not None
    ]
    data["votes"] = [
        {
            **_voter(b.member),
            "option": POPOLO_OPTIONS[b.choice],
            **({"proxy_id": b.voter.public_id,
                "proxy": {"id": b.voter.public_id, "name": b.voter.name}}
               if b.by_proxy else {}),
        }
        for b in facts.ballots
    ]  # fmt: skip
    # Popolo's options for those whose vote is not in it: "not voting" (in the room: a
    # conflict of interest declared, or no vote cast) and "absent"
    data["votes"] += [
        {**_voter(p), "option": "not voting", "reason": "conflict_of_interest"}
        for p in facts.conflicts
    ]
    if facts.missing is not None:
        data["votes"] += [{**_voter(p), "option": "not voting"}
                          for p in facts.missing.present_not_voting]  # fmt: skip
        data["votes"] += [{**_voter(p), "option": "absent"} for p in facts.missing.absent]
    return data


def _voter(person) -> JSON:
    return {
        "voter_id": person.public_id,
        "voter": {"id": person.public_id, "name": person.name},
        "group_id": group_id(person.council_group) if person.council_group else None,
    }
