"""Zones, Punti di comunità and organisations: the map of who takes part."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.permissions import System
from council.domain.record import record
from council.errors import NotFound, ValidationError
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.user import User


def clean_name(value: str, *, field: str, maximum: int, minimum: int = 2) -> str:
    value = " ".join((value or "").split())
    if not minimum <= len(value) <= maximum:
        raise ValidationError(
            _("This field must be between %(a)d and %(b)d characters.", a=minimum, b=maximum),
            field=field,
        )
    return value


def ensure_unique_name(db: Session, model, name: str, except_id: int | None) -> None:
    """Names of zones, Punti, organisations and topics are unique whatever their case."""
    existing = db.scalar(select(model).where(func.lower(model.name) == name.lower()))
    if existing is not None and existing.id != except_id:
        raise ValidationError(_("This name is already in use."), field="name")


def get(db: Session, model, object_id: int):
    obj = db.get(model, object_id)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


def zones(db: Session) -> list[Zone]:
    return list(db.scalars(select(Zone).order_by(Zone.name)))


def community_points(db: Session) -> list[CommunityPoint]:
    return list(db.scalars(select(CommunityPoint).order_by(CommunityPoint.name)))


def organisations(db: Session, *, only_active: bool = False) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name)
    if only_active:
        query = query.where(Organisation.active.is_(True))
    return list(db.scalars(query))


def save_zone(
    db: Session, actor: User | System | None, zone: Zone | None, *, name: str, description: str = ""
) -> Zone:
    """Create or change a zone (an administrator, or SYSTEM for demo data)."""
    actor = permissions.require_unless_system(actor, "zone.manage")
    name = clean_name(name, field="name", maximum=80)
    description = (description or "").strip()[:500]
    ensure_unique_name(db, Zone, name, zone.id if zone else None)
    created = zone is None
    if zone is None:
        zone = Zone(name=name, description=description)
        db.add(zone)
    else:
        zone.name, zone.description = name, description
    db.flush()
    record.append(
        db,
        kind="zone.created" if created else "zone.updated",
        actor=actor,
        subject=f"zone:{zone.id}",
        data={"name": zone.name},
    )
    return zone


def save_community_point(
    db: Session,
    actor: User | System | None,
    point: CommunityPoint | None,
    *,
    name: str,
    zone: Zone | None,
    address: str = "",
) -> CommunityPoint:
    actor = permissions.require_unless_system(actor, "community_point.manage")
    name = clean_name(name, field="name", maximum=120)
    if zone is None:
        raise ValidationError(_("Choose a zone."), field="zone")
    address = " ".join((address or "").split())[:200]
    ensure_unique_name(db, CommunityPoint, name, point.id if point else None)
    created = point is None
    if point is None:
        point = CommunityPoint(name=name, zone=zone, address=address)
        db.add(point)
    else:
        point.name, point.zone, point.address = name, zone, address
    db.flush()
    record.append(
        db,
        kind="community_point.created" if created else "community_point.updated",
        actor=actor,
        subject=f"community_point:{point.id}",
        data={"name": point.name, "zone": zone.id},
    )
    return point


def save_organisation(
    db: Session,
    actor: User | System | None,
    organisation: Organisation | None,
    *,
    name: str,
    kind: str,
    zone: Zone | None,
    community_point: CommunityPoint | None = None,
    website: str = "",
    active: bool = True,
) -> Organisation:
    actor = permissions.require_unless_system(actor, "organisation.manage")
    name = clean_name(name, field="name", maximum=160)
    kind = " ".join((kind or "").split())[:60]
    if zone is None:
        raise ValidationError(_("Choose a zone."), field="zone")
    website = (website or "").strip()[:200]
    if website and not website.startswith(("https://", "http://")):
        raise ValidationError(_("The website must start with https://"), field="website")
    ensure_unique_name(db, Organisation, name, organisation.id if organisation else None)
    created = organisation is None
    if organisation is None:
        organisation = Organisation(name=name)
        db.add(organisation)
    organisation.name = name
    organisation.kind = kind
    organisation.zone = zone
    organisation.community_point = community_point
    organisation.website = website
    organisation.active = active
    db.flush()
    record.append(
        db,
        kind="organisation.created" if created else "organisation.updated",
        actor=actor,
        subject=f"organisation:{organisation.id}",
        data={
            "name": organisation.name,
            "kind": organisation.kind,
            "zone": zone.id,
            "community_point": community_point.id if community_point else None,
            "active": active,
        },
    )
    return organisation
