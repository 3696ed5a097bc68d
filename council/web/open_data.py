"""Open data (dati aperti), beside the record's API: decisions, meetings and proposals as
paginated JSON, the votes as Popolo vote events, CSV downloads, the Atom feed of decisions,
and the OpenAPI document that describes them (council/web/openapi.json, docs/open-data.md).

Everyone reads the same thing, logged in or not: what the public pages show to a visitor.
Every answer can be cached and revalidated: its ETag and Last-Modified come from the record's
head, since every change of what is published appends an event to the record.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _

from council import markdown
from council.domain.archive import open_data
from council.domain.record import record
from council.errors import ValidationError
from council.extensions import db
from council.models.proposal import ProposalState
from council.web import open_data_files as files
from council.web import open_data_shapes as shapes

bp = Blueprint("open_data", __name__, url_prefix="/api/v1")
feeds = Blueprint("feeds", __name__, url_prefix="/feeds")

OPENAPI = Path(__file__).with_name("openapi.json")
# Part of every ETag: bump it when the shape of what is published changes.
FORMAT_VERSION = "1"
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
# Query parameters carried over to the `next` and `prev` links.
KEPT_ARGS = ("per_page", "state", "lang")


# --- caching and CORS -------------------------------------------------------------------------


def _validators() -> tuple[str, datetime | None]:
    """The ETag and Last-Modified of this request's answer: the record's head, the address
    asked (with its query), the language, the public address and the format's version."""
    head = record.head(db.session)
    state = f"{head.seq}:{head.hash}" if head else "0"
    key = "|".join(
        (FORMAT_VERSION, state, request.full_path, str(get_locale()),
         current_app.config["PUBLIC_URL"])
    )  # fmt: skip
    modified = (
        datetime.strptime(head.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC, microsecond=0)
        if head
        else None
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32], modified


def _not_modified():
    """Answer 304 at once when the client's copy is current (If-None-Match or
    If-Modified-Since), before reading anything else."""
    if request.method not in ("GET", "HEAD"):
        return None
    etag, modified = _validators()
    request.environ["consiglio.validators"] = (etag, modified)
    check = Response()
    check.set_etag(etag)
    check.last_modified = modified
    check.make_conditional(request)
    return check if check.status_code == 304 else None


def _headers(response: Response) -> Response:
    """Any origin may read (no cookie is needed, none is used); caches revalidate."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    if request.method == "OPTIONS":  # a script's preflight, before a conditional request
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")  # the language may come from the session
    validators = request.environ.get("consiglio.validators")
    if validators and response.status_code == 200:
        response.set_etag(validators[0])
        response.last_modified = validators[1]
    return response


for blueprint in (bp, feeds):
    blueprint.before_request(_not_modified)
    blueprint.after_request(_headers)


def _json(data: dict) -> Response:
    """UTF-8 JSON with the fields in the documented order (the app's default sorts them)."""
    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), mimetype="application/json"
    )


# --- query parameters -------------------------------------------------------------------------


def _whole(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not 1 <= int(raw) <= maximum:
        raise ValidationError(
            _("The parameter %(name)s must be a whole number from 1 to %(max)d.",
              name=name, max=maximum),
            field=name,
        )  # fmt: skip
    return int(raw)


def _paging() -> tuple[int, int]:
    return _whole("page", 1, MAX_PAGE), _whole("per_page", PER_PAGE, MAX_PER_PAGE)


def _listing(
    endpoint: str,
    found: open_data.Page,
    page: int,
    per_page: int,
    items: list,
    key: str = "items",
    **extra,
) -> Response:
    """A page of a list: its items, the total, and links to the pages before and after.
    The Popolo page names its items `vote_events` and adds `organizations`."""
    pages = max(1, -(-found.total // per_page))
    kept = {name: request.args[name] for name in KEPT_ARGS if request.args.get(name)}

    def link(number: int) -> str:
        return shapes.absolute(endpoint, **kept, page=number)

    return _json(
        {
            key: items,
            "page": page,
            "per_page": per_page,
            "total": found.total,
            "pages": pages,
            "next": link(page + 1) if page < pages else None,
            "prev": link(min(page - 1, pages)) if page > 1 else None,
            **extra,
        }
    )


# --- decisions --------------------------------------------------------------------------------


def _decisions_json(rows: list) -> list[dict]:
    facts = open_data.poll_facts(db.session, [row.poll for row in rows])
    markdown.prefetch(db.session, [row.text for row in rows])
    return [shapes.decision(row, facts.get(row.poll_id)) for row in rows]


@bp.get("/decisions")
def decisions():
    page, per_page = _paging()
    found = open_data.decisions(db.session, page, per_page)
    return _listing("open_data.decisions", found, page, per_page, _decisions_json(found.rows))


@bp.get("/decisions/<int:decision_id>")
def decision(decision_id: int):
    return _json(_decisions_json([open_data.decision(db.session, decision_id)])[0])


@bp.get("/decisions.csv")
def decisions_csv():
    return files.decisions_csv(open_data.all_decisions(db.session))


@bp.get("/votes.csv")
def votes_csv():
    return files.votes_csv(open_data.named_ballots(db.session))


# --- meetings ---------------------------------------------------------------------------------


def _meetings_json(rows: list) -> list[dict]:
    facts = open_data.meeting_facts(db.session, rows)
    markdown.prefetch(
        db.session,
        [row.description for row in rows] + [i.description for r in rows for i in r.items],
    )
    return [shapes.meeting(row, facts[row.id]) for row in rows]


@bp.get("/meetings")
def meetings():
    page, per_page = _paging()
    found = open_data.meetings(db.session, page, per_page)
    return _listing("open_data.meetings", found, page, per_page, _meetings_json(found.rows))


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    return _json(_meetings_json([open_data.meeting(db.session, meeting_id)])[0])


# --- proposals --------------------------------------------------------------------------------


def _state() -> ProposalState | None:
    raw = request.args.get("state", "")
    if raw == "":
        return None
    if raw not in open_data.PROPOSAL_STATES:
        raise ValidationError(
            _("The parameter %(name)s must be one of: %(values)s.",
              name="state", values=", ".join(open_data.PROPOSAL_STATES)),
            field="state",
        )  # fmt: skip
    return ProposalState(raw)


@bp.get("/proposals")
def proposals():
    page, per_page = _paging()
    found = open_data.proposals(db.session, page, per_page, _state())
    decided = open_data.decisions_of_proposals(db.session, [row.id for row in found.rows])
    items = [shapes.proposal(row, decided.get(row.id)) for row in found.rows]
    return _listing("open_data.proposals", found, page, per_page, items)


@bp.get("/proposals/<int:proposal_id>")
def proposal(proposal_id: int):
    row = open_data.proposal(db.session, proposal_id)
    decided = open_data.decisions_of_proposals(db.session, [row.id]).get(row.id)
    return _json(shapes.proposal(row, decided, versions=True))


# --- Popolo -----------------------------------------------------------------------------------


@bp.get("/popolo/vote-events")
def vote_events():
    page, per_page = _paging()
    found = open_data.closed_polls(db.session, page, per_page)
    facts = open_data.poll_facts(db.session, found.rows)
    numbered = open_data.decisions_of_polls(db.session, [row.id for row in found.rows])
    events = [shapes.vote_event(row, facts[row.id], numbered.get(row.id)) for row in found.rows]
    return _listing("open_data.vote_events", found, page, per_page, events,
                    key="vote_events", organizations=shapes.popolo_organizations())  # fmt: skip


# --- the description --------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_bytes(), mimetype="application/json")


# --- the feed ---------------------------------------------------------------------------------


@feeds.get("/decisions.atom")
def decisions_atom():
    found = open_data.decisions(db.session, 1, files.FEED_SIZE)
    return files.decisions_atom(found.rows, record.head(db.session))
