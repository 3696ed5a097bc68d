"""Reading the map of who takes part, for the public pages: organisations, zones and Punti di
comunità, with what concerns each. Every list is a page of rows read in a fixed number of
queries; nothing private (e-mail addresses, accounts not approved, drafts) is ever read out."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from council.domain.proposals.proposal_queries import Results
from council.errors import NotFound
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.proposal import CosignState, Proposal, ProposalCosigner, proposal_zones
from council.models.user import AccountStatus, Role, User, UserRole

PAGE_SIZE = 30
# The roles a person holds on the council, in the order they are shown.
COUNCIL_ROLES = (Role.CHAIR, Role.SECRETARY, Role.MEMBER)


@dataclass(frozen=True)
class CouncilPerson:
    """A member of the council as the public sees them: a name and roles, nothing else."""

    name: str
    roles: tuple[Role, ...]


def _one(db: Session, model, object_id, message: str):
    found = db.get(model, object_id) if isinstance(object_id, int) else None
    if found is None:
        raise NotFound(message)
    return found


def organisation(db: Session, organisation_id: int) -> Organisation:
    """Raises NotFound."""
    return _one(db, Organisation, organisation_id, _("This organisation does not exist."))


def zone(db: Session, zone_id: int) -> Zone:
    """Raises NotFound."""
    return _one(db, Zone, zone_id, _("This zone does not exist."))


def point(db: Session, point_id: int) -> CommunityPoint:
    """Raises NotFound."""
    return _one(db, CommunityPoint, point_id, _("This community point does not exist."))


def _page_of(db: Session, query: Select, page: int, per_page: int = PAGE_SIZE) -> Results:
    """A page of `query`'s rows (a page past the last shows the last) and the count."""
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(db.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Results(rows=rows, total=total, page=page, pages=pages)


# --- organisations ----------------------------------------------------------------------------


def organisations(
    db: Session, *, zone_id: int | None = None, point_id: int | None = None, page: int = 1
) -> Results:
    """The active organisations, by name, optionally of one zone or one Punto di comunità."""
    query = select(Organisation).where(Organisation.active.is_(True))
    if zone_id is not None:
        query = query.where(Organisation.zone_id == zone_id)
    if point_id is not None:
        query = query.where(Organisation.community_point_id == point_id)
    query = query.order_by(Organisation.name, Organisation.id).options(
        selectinload(Organisation.zone), selectinload(Organisation.community_point)
    )
    return _page_of(db, query, page)


def council_members(db: Session, organisation: Organisation) -> list[CouncilPerson]:
    """The organisation's people on the council: active accounts holding a council role, by
    name; only their names and those roles are read."""
    rows = db.execute(
        select(User.id, User.name, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.organisation_id == organisation.id,
            User.status == AccountStatus.ACTIVE,
            UserRole.role.in_(COUNCIL_ROLES),
        )
        .order_by(User.name, User.id)
    ).all()
    people: dict[int, tuple[str, set[Role]]] = {}
    for user_id, name, role in rows:
        people.setdefault(user_id, (name, set()))[1].add(role)
    return [
        CouncilPerson(name, tuple(r for r in COUNCIL_ROLES if r in roles))
        for name, roles in people.values()
    ]


def cosigned(db: Session, organisation: Organisation, *, page: int = 1, per_page: int = 10):
    """The published proposals the organisation co-signs (invitations it accepted), newest
    first."""
    signs = exists().where(
        ProposalCosigner.proposal_id == Proposal.id,
        ProposalCosigner.organisation_id == organisation.id,
        ProposalCosigner.state == CosignState.ACCEPTED,
    )
    query = (
        select(Proposal)
        .where(Proposal.submitted_at.is_not(None), signs)
        .order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
        .options(
            selectinload(Proposal.zones), selectinload(Proposal.organisation),
            selectinload(Proposal.topic),
        )
    )  # fmt: skip
    return _page_of(db, query, page, per_page)


# --- zones and Punti di comunità --------------------------------------------------------------


def _counts(db: Session, column, *where) -> dict[int, int]:
    return dict(db.execute(select(column, func.count()).where(*where).group_by(column)).all())


@dataclass(frozen=True)
class ZoneRow:
    zone: Zone
    points: int
    organisations: int
    proposals: int


def zones(db: Session) -> list[ZoneRow]:
    """Every zone with how many Punti, active organisations and published proposals it has
    (four queries whatever the number of zones)."""
    rows = list(db.scalars(select(Zone).order_by(Zone.name)))
    points = _counts(db, CommunityPoint.zone_id)
    members = _counts(db, Organisation.zone_id, Organisation.active.is_(True))
    proposals: dict[int, int] = dict(
        db.execute(
            select(proposal_zones.c.zone_id, func.count())
            .join(Proposal, Proposal.id == proposal_zones.c.proposal_id)
            .where(Proposal.submitted_at.is_not(None))
            .group_by(proposal_zones.c.zone_id)
        ).all()
    )
    return [
        ZoneRow(z, points.get(z.id, 0), members.get(z.id, 0), proposals.get(z.id, 0)) for z in rows
    ]


def points(db: Session, *, zone_id: int | None = None, page: int = 1) -> Results:
    """The Punti di comunità by name (optionally of one zone), with their zone."""
    query = select(CommunityPoint)
    if zone_id is not None:
        query = query.where(CommunityPoint.zone_id == zone_id)
    query = query.order_by(CommunityPoint.name, CommunityPoint.id).options(
        selectinload(CommunityPoint.zone)
    )
    return _page_of(db, query, page)


def organisation_counts(db: Session, point_ids: list[int]) -> dict[int, int]:
    """How many active organisations each of these Punti has."""
    if not point_ids:
        return {}
    return _counts(
        db,
        Organisation.community_point_id,
        Organisation.active.is_(True),
        Organisation.community_point_id.in_(point_ids),
    )
