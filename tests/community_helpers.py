"""Factories for the community pages' tests: organisations, co-signings, and a small town
(two zones, a Punto di comunità, organisations, their people, proposals and a decision)."""

from __future__ import annotations

from types import SimpleNamespace

from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.models.proposal import CosignState, ProposalCosigner, ProposalState, proposal_zones
from council.models.user import AccountStatus
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.factories import make_proposal


def save_org(name: str, zone, point=None, **kw):
    with unit_of_work() as session:
        return organisations.save_organisation(
            session, SYSTEM, None, name=name, kind=kw.pop("kind", "Associazione"),
            zone=session.merge(zone), community_point=point and session.merge(point), **kw,
        )  # fmt: skip


def cosign(proposal, organisation, state=CosignState.ACCEPTED) -> None:
    with unit_of_work() as session:
        session.add(ProposalCosigner(proposal_id=proposal.id, organisation_id=organisation.id,
                                     state=state, invited_by_id=proposal.author_id))  # fmt: skip


def in_zone(proposal_id: int, zone) -> None:
    with unit_of_work() as session:
        session.execute(proposal_zones.insert().values(proposal_id=proposal_id, zone_id=zone.id))


def make_town(make_user, zone, organisation) -> SimpleNamespace:
    """Zona Est with the Punto Est; Il Faro works at the Punto, Il Ponte (the default
    organisation) does not; their people, proposals, co-signings and a decision."""
    with unit_of_work() as session:
        west = organisations.save_zone(session, SYSTEM, None, name="Zona Ovest")
        point = organisations.save_community_point(
            session, SYSTEM, None, name="Punto Est", zone=session.merge(zone),
            address="Via Milano 12, Brescia",
        )  # fmt: skip
    faro = save_org("Associazione Il Faro", zone, point)
    gone = save_org("Circolo Chiuso", zone, point, active=False)
    chair = make_user("chair", "member", name="Chiara Verdi", organisation=faro,
                      email="chiara.verdi@example.org")  # fmt: skip
    make_user("member", name="Mario Bianchi", organisation=faro, email="mario@example.org")
    make_user("member", name="Paola Attesa", organisation=faro, status=AccountStatus.PENDING)
    make_user("member", name="Dario Disattivo", organisation=faro, status=AccountStatus.DISABLED)
    speaker = make_user("stakeholder", name="Stefano Portavoce", organisation=faro,
                        email="stefano@example.org")  # fmt: skip
    other = make_user("stakeholder", name="Lina Ponte", email="lina@example.org")
    filed = make_proposal(speaker, title="Orti condivisi al Punto Est")
    draft = make_proposal(speaker, title="Bozza riservata del Faro", published=False,
                          state=ProposalState.DRAFT)  # fmt: skip
    signed = make_proposal(other, title="Doposcuola di quartiere")
    cosign(signed, faro)
    invited = make_proposal(other, title="Invito ancora aperto")
    cosign(invited, faro, CosignState.INVITED)
    elsewhere = make_proposal(other, title="Navetta per gli anziani")
    in_zone(elsewhere.id, zone)
    in_zone(draft.id, zone)
    decided = archived(speaker, title="Mensa solidale del Faro", organisation=faro,
                       zones=[zone])  # fmt: skip
    return SimpleNamespace(
        zone=zone, west=west, point=point, faro=faro, ponte=organisation, gone=gone,
        chair=chair, filed=filed, draft=draft, signed=signed, invited=invited,
        elsewhere=elsewhere, decided=decided,
    )  # fmt: skip
