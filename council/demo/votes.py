"""Demo votes in the past meeting (meetings.py): an amendment voted before its item, named
polls with dichiarazioni di voto, a conflict of interest, a vote cast by proxy, members of both
groups of the council, a secret poll, and the numbered decisions that follow (one proposal
approved, one rejected). Everything goes through the domain operations, in the order it
happened and at the story's times (council/clock.py), so the record tells it as it was; the
rows' times are then set to the second on the meeting's afternoon."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council import clock
from council.domain.meetings import attendance, live_session
from council.domain.proposals import amendments
from council.domain.proposals import proposals as ops
from council.domain.voting import polls
from council.models.organisation import Zone
from council.models.poll import Ballot, ConflictDeclaration, Decision, Poll
from council.models.proposal import (
    Amendment,
    Proposal,
    ProposalState,
    ProposalVersion,
    Topic,
)
from council.models.user import CouncilGroup, User

AMENDED = (
    "Le corse verso i presidi ospedalieri fuori città (Gardone Val Trompia, Chiari, "
    "Manerbio) sono comprese nel servizio, con un preavviso di almeno tre giorni."
)
AMENDMENT_REASON = (
    "Molti anziani dei quartieri sud sono seguiti negli ospedali della provincia: senza queste "
    "corse il servizio lascerebbe fuori proprio le visite più difficili da raggiungere."
)
REGISTRY_TITLE = "Registro unico dei volontari nei servizi di welfare"
REGISTRY_BODY = """\
Proponiamo un **registro unico comunale dei volontari** che operano nei servizi di welfare \
della città, tenuto dal Settore Servizi sociali.

Ogni realtà che collabora con il Comune iscrive i propri volontari: nome, servizio, ore \
settimanali e formazione ricevuta. Il registro serve a coordinare le presenze tra i Punti \
di comunità, a organizzare la formazione obbligatoria e a verificare le coperture \
assicurative.

L'iscrizione è condizione per partecipare ai progetti finanziati dal Comune dal 2026."""
PLAN = "2025-2027"
DESIGNATION = "Designare %s rappresentante del Consiglio al Tavolo di sistema del Piano di Zona "
DESIGNATION += f"{PLAN}?"


@dataclass
class ToVote:
    """What the meeting will vote on, ready for its agenda."""

    transport: Proposal  # in consultation until a few days before the meeting
    amendment: Amendment  # on `transport`, left to the council's vote by its author
    registry: Proposal  # filed by a member of the administration


@dataclass
class Decided:
    approved: Decision
    rejected: Decision
    designation: Decision


def _person(db: Session, local: str) -> User:
    return db.scalars(select(User).where(User.email == f"{local}@example.org")).one()


def prepare(db: Session, start: datetime) -> ToVote | None:
    """The proposals for the meeting starting at `start`: the consultation that closed before
    it (with an amendment proposed in time and sent to the vote), and a new proposal of the
    administration. None when the demo has no such consultation."""
    transport = db.scalars(
        select(Proposal)
        .where(Proposal.state == ProposalState.CONSULTATION, Proposal.consultation_deadline < start)
        .order_by(Proposal.id)
    ).first()
    if transport is None:
        return None
    current = db.scalars(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == transport.id,
            ProposalVersion.number == transport.current_version,
        )
    ).one()
    assert transport.consultation_deadline is not None
    proposed_at = transport.consultation_deadline - timedelta(days=7)
    clock.set_story(proposed_at)
    amendment = amendments.propose(
        db, _person(db, "consigliere12"), transport, body=f"{current.body}\n\n{AMENDED}",
        reason=AMENDMENT_REASON, now=proposed_at,
    )  # fmt: skip
    clock.set_story(proposed_at + timedelta(days=1))
    amendments.send_to_vote(db, transport.author, amendment)
    amendment.created_at = proposed_at
    author = _person(db, "consigliere2")  # of the administration
    filed = start - timedelta(days=40)
    clock.set_story(filed - timedelta(days=2))
    registry = ops.create(
        db, author, title=REGISTRY_TITLE, body=REGISTRY_BODY,
        topic=db.scalar(select(Topic).where(Topic.name == "Lavoro e inclusione")),
        zones=list(db.scalars(select(Zone).order_by(Zone.name))),
    )  # fmt: skip
    clock.set_story(filed)
    ops.submit(db, author, registry, deadline=filed + timedelta(days=30), now=filed)
    clock.set_story(None)
    registry.created_at = registry.versions[0].created_at = filed - timedelta(days=2)
    registry.last_activity_at = filed
    return ToVote(transport, amendment, registry)


def _backdate(db: Session, poll: Poll, closed_at: datetime) -> None:
    """The poll's rows on the meeting's afternoon, before its decision is recorded (whose date
    is the day the poll closed)."""
    poll.created_at = closed_at - timedelta(minutes=7)
    poll.opened_at = closed_at - timedelta(minutes=5)
    poll.closed_at = closed_at
    ballots = db.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.id))
    for k, ballot in enumerate(ballots):
        ballot.cast_at = poll.opened_at + timedelta(seconds=20 + 9 * k)
    conflicts = select(ConflictDeclaration).where(ConflictDeclaration.poll_id == poll.id)
    for declaration in db.scalars(conflicts):
        declaration.declared_at = poll.opened_at + timedelta(seconds=10)
    db.flush()


def _poll(db: Session, room: Room, item, *, question: str, kind: str = "named",
          rule: str = "simple", amendment: Amendment | None = None) -> Poll:  # fmt: skip
    poll = polls.prepare_poll(db, room.chair, room.meeting_id, item_id=item.id, kind=kind,
                               rule=rule, question=question,
                               amendment_id=amendment.id if amendment else None)  # fmt: skip
    polls.open_poll(db, room.chair, poll.id)
    return poll


def _cast(db: Session, poll: Poll, choices, reasons=None, proxy: str | None = None,
          room: Room | None = None) -> None:  # fmt: skip
    """choices: [(member, choice)]; reasons: {member: statement}; proxy: the choice the
    room's proxy holder casts for the absent member."""
    for n, (member, choice) in enumerate(choices):
        reason = (reasons or {}).get(member)
        polls.cast_ballot(db, member, poll.id, choice, f"demo-{poll.id}-{n}", reason=reason)
    if proxy is not None and room is not None:
        polls.cast_ballot(db, room.holder, poll.id, proxy, f"demo-{poll.id}-proxy",
                           for_member=room.absent.public_id)  # fmt: skip


def _close(db: Session, room: Room, poll: Poll, closed_at: datetime,
           text: str | None = None) -> Decision | None:  # fmt: skip
    clock.set_story(closed_at)
    polls.close_poll(db, room.chair, poll.id)
    _backdate(db, poll, closed_at)
    clock.set_story(closed_at + timedelta(minutes=1))
    decision = polls.record_decision(db, room.secretary, poll.id, text)
    if decision is not None:
        decision.recorded_at = closed_at + timedelta(minutes=1)
    return decision


def _decide(db: Session, room: Room, poll: Poll, closed_at: datetime, text: str) -> Decision:
    """_close for an item's poll, which always ends in a numbered decision."""
    decision = _close(db, room, poll, closed_at, text)
    assert decision is not None
    return decision


@dataclass
class Room:
    """Who is in the meeting and when things happen: `at(minutes)` into the session."""

    chair: User
    secretary: User
    meeting_id: int
    present: list[User]
    holder: User  # holds the proxy of `absent`
    absent: User
    at: Callable[[int], datetime]

    def side(self, people: list[User], administration: bool) -> list[User]:
        return [
            p for p in people if (p.council_group == CouncilGroup.ADMINISTRATION) == administration
        ]


def hold(db: Session, room: Room, items, to_vote: ToVote, leaving: User) -> Decided:
    """items[2]: the amendment, then the transport proposal (approved, both groups in
    favour); items[3]: the registry (rejected, the groups divided), after `leaving` left;
    items[4]: a secret designation."""
    clock.set_story(room.at(44))
    approved = _transport(db, room, items[2], to_vote)
    attendance.check_out(db, leaving, room.meeting_id)
    room.present = [p for p in room.present if p.id != leaving.id]
    live_session.move_to(db, room.chair, room.meeting_id, items[3].id)
    rejected = _registry(db, room, items[3], to_vote.registry)
    live_session.move_to(db, room.chair, room.meeting_id, items[4].id)
    return Decided(approved, rejected, _designation(db, room, items[4]))


def _transport(db: Session, room: Room, item, to_vote: ToVote) -> Decision:
    transport, amendment, present = to_vote.transport, to_vote.amendment, room.present
    poll = _poll(db, room, item, amendment=amendment,
                 question=f"Approvare l'emendamento n. {amendment.number} alla proposta "
                          f"«{transport.title}»?")  # fmt: skip
    choices = [(p, "in_favour") for p in present[:12]]
    choices += [(p, "against") for p in present[12:14]] + [(p, "abstain") for p in present[14:]]
    _cast(db, poll, choices)
    _close(db, room, poll, room.at(50))
    amendment.decided_at = room.at(50)
    new_version = select(ProposalVersion).where(ProposalVersion.amendment_id == amendment.id)
    for version in db.scalars(new_version):
        version.created_at = room.at(50)

    administration, third = room.side(present, True), room.side(present, False)
    # the member of the organisation that filed it (or else one of the third sector) declares
    # a conflict of interest
    conflicted = next((p for p in third if p.organisation_id == transport.organisation_id),
                      third[-1])  # fmt: skip
    question = f"Approvare la proposta «{transport.title}» nel testo emendato?"
    poll = _poll(db, room, item, rule="absolute_present", question=question)
    polls.declare_conflict(db, conflicted, poll.id)
    against, abstaining = [third[0], administration[-1]], third[1]
    choices = [
        (p, "against" if p in against else "abstain" if p is abstaining else "in_favour")
        for p in present
        if p.id != conflicted.id
    ]
    reasons = {
        third[2]: "Voto a favore: è il primo servizio pensato con le famiglie dei quartieri "
        "sud, e l'emendamento lo estende alle visite in provincia.",
        administration[2]: "Favorevole. L'amministrazione mette a disposizione due mezzi "
        "attrezzati; chiediamo un resoconto dopo sei mesi.",
        against[0]: "Contrario: senza un coordinamento con il trasporto sanitario dell'ASST "
        "il servizio rischia di sovrapporsi a quello esistente.",
        abstaining: "Mi astengo: condivido l'obiettivo, ma il contributo per i redditi più "
        "alti va definito prima di partire.",
    }
    _cast(db, poll, choices, reasons, proxy="in_favour", room=room)
    return _decide(db, room, poll, room.at(56), (
        f"Il Consiglio di indirizzo del welfare approva la proposta **«{transport.title}»** nel "
        f"testo che comprende l'emendamento n. {amendment.number}, e chiede al Settore Servizi "
        "sociali di presentare entro sei mesi un resoconto delle corse effettuate."
    ))  # fmt: skip


def _registry(db: Session, room: Room, item, registry: Proposal) -> Decision:
    # the administration in favour (but one abstaining), the third sector against (but two)
    administration, third = room.side(room.present, True), room.side(room.present, False)
    poll = _poll(db, room, item, question=f"Approvare la proposta «{registry.title}»?")
    choices = [(p, "in_favour") for p in administration[:-1]] + [(administration[-1], "abstain")]
    choices += [(p, "against") for p in third[:-2]]
    choices += [(third[-2], "in_favour"), (third[-1], "abstain")]
    reasons = {
        administration[2]: "A favore: oggi non sappiamo quante persone volontarie lavorano nei "
        "servizi, né con quale formazione.",
        third[0]: "Contrario: l'iscrizione obbligatoria come condizione per i progetti pesa "
        "sulle realtà più piccole, che non hanno personale amministrativo.",
        third[1]: "Contrario nel merito del vincolo, non del censimento: lo si può fare con le "
        "reti di zona senza un nuovo obbligo.",
    }
    _cast(db, poll, choices, reasons, proxy="against", room=room)
    return _decide(db, room, poll, room.at(70), (
        f"Il Consiglio di indirizzo del welfare respinge la proposta **«{registry.title}»** e "
        "invita i tavoli di zona a proporre un censimento volontario delle persone che operano "
        "nei servizi."
    ))  # fmt: skip


def _designation(db: Session, room: Room, item) -> Decision:
    present = room.present
    nominee = room.side(present, False)[3]
    poll = _poll(db, room, item, kind="secret", question=DESIGNATION % nominee.name)
    choices = [(p, "in_favour") for p in present[:11]]
    choices += [(p, "against") for p in present[11:13]] + [(p, "abstain") for p in present[13:]]
    _cast(db, poll, choices, proxy="in_favour", room=room)
    return _decide(db, room, poll, room.at(85), (
        f"Il Consiglio designa {nominee.name} a rappresentarlo al Tavolo di sistema del Piano di "
        f"Zona {PLAN}, per la durata del Piano."
    ))  # fmt: skip


def outcomes(decided: Decided, to_vote: ToVote) -> list[str]:
    """The outcome (esito) of items[2:5], as the secretary writes it."""
    return [
        f"Emendamento n. {to_vote.amendment.number} approvato; proposta approvata "
        f"(deliberazione n. {decided.approved.number}).",
        f"Proposta respinta (deliberazione n. {decided.rejected.number}).",
        f"Designazione approvata a scrutinio segreto (deliberazione n. "
        f"{decided.designation.number}).",
    ]
