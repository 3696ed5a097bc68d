"""Demo proposals of the Brescia welfare council: topics, and proposals in every state, with
versions, co-signers and supports. Everything goes through the domain operations, so the
public record tells their story, each step at its story's time (council/clock.py): the record
events carry the dates the story tells. A proposal decided (approved or rejected) is decided by
the council's vote in a meeting (earlier.py), never by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council import clock
from council.clock import ROME
from council.demo import earlier
from council.demo.proposal_texts import PROPOSALS
from council.domain.community.topics import save_topic
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations, proposal_queries
from council.domain.proposals import proposals as ops
from council.models.organisation import Organisation, Zone
from council.models.proposal import Proposal
from council.models.user import AccountStatus, Role, User, UserRole

TOPICS = [
    "Anziani",
    "Disabilità",
    "Famiglie e minori",
    "Casa e abitare",
    "Lavoro e inclusione",
    "Povertà e grave marginalità",
    "Salute mentale",
    "Giovani",
    "Cittadini stranieri",
]


def _person_of(db: Session, organisation: str) -> User | None:
    """An active representative of the organisation (the demo's accounts are generated)."""
    return db.scalar(
        select(User)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(Organisation.name == organisation, User.status == AccountStatus.ACTIVE)
        .order_by(User.id)
        .limit(1)
    )


def _with_role(db: Session, role: Role) -> User:
    return db.scalars(select(User).join(UserRole).where(UserRole.role == role).limit(1)).one()


def _backdate(proposal: Proposal, submitted: datetime | None, created: datetime) -> None:
    """Spread the rows' dates over the weeks the story took (the record keeps its own times)."""
    proposal.created_at = created
    versions = proposal.versions
    start = submitted or created
    # later versions spread over the time since submission, never in the future, so that
    # a version accepted from an amendment afterwards (dated now) still comes last
    step = min(timedelta(days=3), (datetime.now(UTC) - start) / (len(versions) + 1))
    for index, version in enumerate(versions):
        version.created_at = created if index == 0 else start + step * index
    proposal.last_activity_at = max(v.created_at for v in versions)


def load_proposals(db: Session, discuss: Callable[[Session, Proposal], None] | None = None) -> None:
    """Topics and about ten proposals across every state; runs inside the demo's transaction.

    `discuss(db, proposal)` runs while each submitted proposal is in consultation, before its
    later transitions, so that the record tells the story in its true order.
    """
    topics = {name: save_topic(db, SYSTEM, None, name=name) for name in TOPICS}
    zones = {z.name: z for z in db.scalars(select(Zone))}
    organisations = {o.name: o for o in db.scalars(select(Organisation))}
    secretary = _with_role(db, Role.SECRETARY)
    chair = _with_role(db, Role.CHAIR)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    decided: list[tuple[Proposal, bool]] = []

    for spec in PROPOSALS:
        author = _person_of(db, spec["organisation"])
        if author is None:
            continue
        submitted = now - timedelta(days=spec["submitted_days_ago"]) if "state" in spec else None
        created = (submitted or now) - timedelta(days=4)
        first_title, first_body = spec["versions"][0][:2]
        clock.set_story(created)
        proposal = ops.create(
            db, author, title=first_title, body=first_body, topic=topics[spec["topic"]],
            zones=[zones[z] for z in spec["zones"]],
        )  # fmt: skip
        invited = [organisations[name] for name in spec.get("cosigners", [])]
        if invited:
            proposal_organisations.invite_cosigners(db, author, proposal, invited)
            for organisation in invited[: spec.get("accepted", len(invited))]:
                person = _person_of(db, organisation.name)
                if person is not None:
                    proposal_organisations.answer_cosign(db, person, proposal, accept=True)
        if submitted is None:  # a draft
            _backdate(proposal, None, created)
            clock.set_story(None)
            continue
        # consultations close at 18:00, Italian winter time
        deadline = (submitted + timedelta(days=spec["consultation_days"])).replace(
            hour=17, minute=0
        )
        clock.set_story(submitted)
        ops.submit(db, author, proposal, deadline=deadline, now=submitted)
        step = min(timedelta(days=3), (min(deadline, now) - submitted) / len(spec["versions"]))
        for k, (title, body, note) in enumerate(spec["versions"][1:], start=1):
            clock.set_story(submitted + step * k)
            ops.edit(db, author, proposal, title=title, body=body, topic=proposal.topic,
                     zones=proposal.zones, change_note=note)  # fmt: skip
        for name in spec.get("supports", []):
            person = _person_of(db, name)
            if (
                person is None
                or proposal_organisations.signs(proposal, person.organisation_id)
                or proposal_queries.support_of(db, proposal, person.organisation_id)
            ):
                continue
            clock.set_story(submitted + step / 2)
            proposal_organisations.support(db, person, proposal)
        clock.set_story(None)  # the discussion tells its own times (discussions.py)
        if discuss is not None:
            discuss(db, proposal)
        state = spec["state"]
        if state in ("on_agenda", "approved", "rejected", "referred_back"):
            clock.set_story(min(deadline + timedelta(days=2), now - timedelta(days=1)))
            ops.schedule(db, secretary, proposal)
        if state in ("approved", "rejected"):
            decided.append((proposal, state == "approved"))  # by the council's vote, below
        elif state == "referred_back":
            clock.set_story(deadline + timedelta(days=9))
            ops.refer_back(db, chair, proposal, reason=spec["reason"])
        elif state == "withdrawn":
            clock.set_story(submitted + timedelta(days=20))
            ops.withdraw(db, author, proposal, reason=spec["reason"])
        _backdate(proposal, submitted, created)
        clock.set_story(None)
    if decided:  # a week after the last of their consultations closed
        last = max(p.consultation_deadline for p, _approved in decided if p.consultation_deadline)
        day = (last + timedelta(days=7)).astimezone(ROME).date()
        earlier.hold(db, secretary, chair, decided, day)
        clock.set_story(None)
    db.flush()
