"""Public pages of who takes part, no account needed: the organisations (realtà), the zones and
the Punti di comunità, each with what concerns it (proposals, co-signings, decisions). Stable
addresses by id (a name may change): /organisations/3, /zones/2, /community-points/5."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from council.domain.archive import archive
from council.domain.archive.archive import ArchiveFilters
from council.domain.community import community
from council.domain.proposals import proposal_queries
from council.domain.proposals.proposal_queries import STATE_LABELS, Filters
from council.extensions import db
from council.models.user import Role
from council.web.common import int_arg
from council.web.proposals import STATE_TONES

bp = Blueprint("community", __name__)

# How many of the latest proposals and decisions a page shows, before "all of them".
LATEST = 5
ROLE_LABELS = {
    Role.CHAIR: _l("Chair"),
    Role.SECRETARY: _l("Secretary"),
    Role.MEMBER: _l("Council member"),
}


@bp.context_processor
def _helpers():
    return {
        "state_labels": STATE_LABELS,
        "state_tones": STATE_TONES,
        "role_labels": ROLE_LABELS,
    }


def _latest(**filters) -> tuple[proposal_queries.Results, archive.ArchivePage]:
    """The latest published proposals and the latest decisions the visitor may see, matching
    the same filter (zone, organisation or Punto di comunità)."""
    proposals = proposal_queries.search(
        db.session, current_user, Filters(per_page=LATEST, **filters)
    )
    decisions = archive.search(
        db.session, current_user, ArchiveFilters(per_page=LATEST, sort="newest", **filters)
    )
    return proposals, decisions


# --- organisations ----------------------------------------------------------------------------


@bp.get("/organisations")
def organisations():
    zone_id, point_id = int_arg("zone"), int_arg("point")
    zone = community.zone(db.session, zone_id) if zone_id is not None else None
    point = community.point(db.session, point_id) if point_id is not None else None
    results = community.organisations(
        db.session, zone_id=zone_id, point_id=point_id, page=int_arg("page") or 1
    )
    args = {k: v for k, v in {"zone": zone_id, "point": point_id}.items() if v is not None}
    return render_template(
        "community/organisations.html", results=results, zone=zone, point=point, args=args
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    found = community.organisation(db.session, organisation_id)
    proposals, decisions = _latest(organisation_id=found.id)
    return render_template(
        "community/organisation.html",
        organisation=found,
        people=community.council_members(db.session, found),
        proposals=proposals,
        cosigned=community.cosigned(db.session, found, page=int_arg("cosigned") or 1),
        decisions=decisions,
    )


# --- zones ------------------------------------------------------------------------------------


@bp.get("/zones")
def zones():
    return render_template("community/zones.html", rows=community.zones(db.session))


@bp.get("/zones/<int:zone_id>")
def zone(zone_id: int):
    found = community.zone(db.session, zone_id)
    proposals, decisions = _latest(zone_id=found.id)
    return render_template(
        "community/zone.html",
        zone=found,
        points=community.points(db.session, zone_id=found.id, page=1),
        organisations=community.organisations(db.session, zone_id=found.id),
        proposals=proposals,
        decisions=decisions,
    )


# --- Punti di comunità ------------------------------------------------------------------------


@bp.get("/community-points")
def points():
    zone_id = int_arg("zone")
    zone = community.zone(db.session, zone_id) if zone_id is not None else None
    results = community.points(db.session, zone_id=zone_id, page=int_arg("page") or 1)
    return render_template(
        "community/points.html",
        results=results,
        zone=zone,
        counts=community.organisation_counts(db.session, [p.id for p in results.rows]),
        args={"zone": zone_id} if zone_id is not None else {},
    )


@bp.get("/community-points/<int:point_id>")
def point(point_id: int):
    found = community.point(db.session, point_id)
    proposals, decisions = _latest(community_point_id=found.id)
    return render_template(
        "community/point.html",
        point=found,
        organisations=community.organisations(db.session, point_id=found.id),
        proposals=proposals,
        decisions=decisions,
    )
