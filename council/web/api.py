"""Open data under /api/v1: the public record for now."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, request

from council.domain.record import record
from council.extensions import csrf, db
from council.web.common import MAX_ID

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_LIMIT = 1000


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(422)
    if not minimum <= value <= maximum:
        abort(422)
    return value


@bp.get("/record/head")
def record_head():
    head = record.head(db.session)
    if head is None:
        return {"seq": 0, "hash": record.GENESIS}
    return {"seq": head.seq, "hash": head.hash}


@bp.get("/record")
def record_events():
    after = _int_arg("after", 0, 0, MAX_ID)
    limit = _int_arg("limit", 100, 1, MAX_LIMIT)
    rows = record.page(db.session, after=after, limit=limit)
    body = "".join(
        json.dumps(record.as_public(row), ensure_ascii=False, separators=(",", ":")) + "\n"
        for row in rows
    )
    response = Response(body, mimetype="application/x-ndjson")
    if rows:
        response.headers["X-Record-Last-Seq"] = str(rows[-1].seq)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
