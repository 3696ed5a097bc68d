"""Public pages: home, language choice, the readable record."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import redis
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_login import current_user
from sqlalchemy import select

from council import record_text
from council.config import ROOT
from council.domain import home as home_queries
from council.domain.notifications.notification_messages import STATE_LABELS
from council.domain.record import record
from council.extensions import db
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from council.web.common import safe_next
from council.web.consultation_forms import AUDIENCE_LABELS
from council.web.forms import LanguageForm

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.app_template_filter("record_time")
def record_time(at: str) -> str:
    """A record timestamp (UTC, ISO 8601) as Europe/Rome local time in the reader's language."""
    moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return format_datetime(moment, "d MMMM y, HH:mm")  # "3 dicembre 2026, 18:26"


@bp.get("/")
def home():
    """The council's news for everyone (a banner to follow a session in progress, the next
    meeting, the latest decisions, the open consultations) and, for a person logged in, what
    needs them first (council/domain/home.py). The public's page is kept in memory
    (page_cache.py): it holds nothing personal, and a session opening moves the record."""
    mine = home_queries.personal(db.session, current_user)
    return render_template(
        "main/home.html",
        news=home_queries.public(db.session),
        mine=mine,
        audience_labels=AUDIENCE_LABELS,
        proposal_states=STATE_LABELS,
        followed_days=home_queries.FOLLOWED_DAYS,
    )


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated and current_user.locale != form.locale.data:
            with unit_of_work() as work:
                work.merge(current_user._get_current_object()).locale = form.locale.data
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.get("/healthz")
def healthz():
    """For the load balancer and the monitoring: the database and (when configured) Redis
    answer. 200 with what was checked, or 503 naming what failed; no account, no cookie."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(select(1))
        checks["database"] = "ok"
    except Exception:  # any failure means "not serving"
        log.exception("health check: database")
        db.session.rollback()
        checks["database"] = "unreachable"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
            client.ping()
            client.close()
            checks["redis"] = "ok"
        except Exception:
            log.exception("health check: redis")
            checks["redis"] = "unreachable"
    else:
        checks["redis"] = "not configured"
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", **checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


PAGE_SIZE = 50
HEX = re.compile(r"[0-9a-f]{64}")


def _subject_filter() -> str | None:
    """?type=proposal&id=3 (the form), or ?subject=proposal:3 (links): an exact subject, or
    every subject of a type."""
    raw = (request.args.get("subject") or "").strip()[:80]
    kind, _sep, key = raw.partition(":")
    kind = request.args.get("type", kind).strip()
    key = request.args.get("id", key).strip()[:40]
    if kind not in record_text.SUBJECT_TYPES:
        return None
    return f"{kind}:{key}" if key else f"{kind}:"


def _check_anchor() -> dict | None:
    """The anchor form: is SEQ:HASH (from an old document) still part of today's chain?"""
    seq_text = (request.args.get("anchor_seq") or "").strip()
    digest = (request.args.get("anchor_hash") or "").strip().lower()
    if not seq_text and not digest:
        return None
    if not seq_text.isdigit() or len(seq_text) > 12 or not HEX.fullmatch(digest):
        return {"ok": False, "malformed": True, "seq": seq_text, "hash": digest}
    seq = int(seq_text)
    # The prefix verified by an earlier check is reused while its last event is unchanged;
    # `flask record verify` always recomputes everything.
    verified = current_app.extensions.get("record_verified")
    if (
        verified
        and db.session.scalar(select(RecordEvent.hash).where(RecordEvent.seq == verified[0]))
        != verified[1]
    ):
        verified = None
    result = record.verify(db.session, anchor=(seq, digest), since=verified)
    if result.broken_seq is None or result.broken_seq == seq:
        current_app.extensions["record_verified"] = (result.head_seq, result.head_hash)
    return {"ok": result.ok, "malformed": False, "seq": seq, "hash": digest,
            "head_seq": result.head_seq, "past_head": "past the head" in result.reason}  # fmt: skip


@bp.get("/record")
def record_page():
    subject = _subject_filter()
    before = request.args.get("before", "")
    before = int(before) if before.isdigit() and len(before) < 12 else None
    query = select(RecordEvent).order_by(RecordEvent.seq.desc()).limit(PAGE_SIZE + 1)
    if subject and subject.endswith(":"):
        query = query.where(RecordEvent.subject.startswith(subject, autoescape=True))
    elif subject:
        query = query.where(RecordEvent.subject == subject)
    if before is not None:
        query = query.where(RecordEvent.seq < before)
    events = list(db.session.scalars(query))
    older = events[PAGE_SIZE - 1].seq if len(events) > PAGE_SIZE else None
    events = events[:PAGE_SIZE]
    names = record_text.people(db.session, events)
    return render_template(
        "main/record.html",
        events=events,
        head=record.head(db.session),
        subject=subject,
        subject_types=record_text.SUBJECT_TYPES,
        chosen_type=subject.partition(":")[0] if subject else "",
        chosen_id=subject.partition(":")[2] if subject else "",
        older=older,
        anchor=_check_anchor(),
        describe=lambda event: record_text.describe(event, names),
        subject_label=lambda value: record_text.subject_label(value, names),
        actor_name=lambda public_id: names.get(public_id, public_id),
    )


VERIFIER = ROOT / "docs" / "verify_record.py"


@bp.get("/record/verify")
def verify_page():
    """Verify the record: the chain explained in plain words, today's head, an anchor to
    check, the program that checks everything from outside, and the event codes."""
    codes = [(kind, str(sentence) % record_text.Blank()) for kind, sentence in
             record_text.SENTENCES.items()]  # fmt: skip
    return render_template(
        "main/verify.html",
        head=record.head(db.session),
        anchor=_check_anchor(),
        codes=codes,
        public_url=current_app.config["PUBLIC_URL"],
    )


@bp.get("/record/verify_record.py")
def verifier_download():
    """docs/verify_record.py, as a file to keep: Python 3 and its standard library only."""
    return send_file(VERIFIER, mimetype="text/x-python", as_attachment=True,
                     download_name="verify_record.py", max_age=3600)  # fmt: skip


# The datasets of the open-data page, in its order: (title, what, [(format, endpoint, args)]).
DATASETS = [
    ("decisions", [("JSON", "open_data.decisions", {}), ("CSV", "open_data.decisions_csv", {})]),
    ("votes", [("CSV", "open_data.votes_csv", {}),
               ("Popolo JSON", "open_data.vote_events", {})]),
    ("meetings", [("JSON", "open_data.meetings", {})]),
    ("proposals", [("JSON", "open_data.proposals", {})]),
    ("record", [("JSON lines", "api.record_events", {"after": 0, "limit": 1000}),
                ("JSON", "api.record_head", {})]),
    ("feed", [("Atom 1.0", "feeds.decisions_atom", {})]),
    ("api", [("OpenAPI 3.1", "open_data.openapi", {})]),
]  # fmt: skip


@bp.get("/open-data")
def open_data_page():
    """The open data explained: each dataset, its format and stable address, the licence."""
    base = current_app.config["PUBLIC_URL"]
    datasets = [
        (key, [(fmt, base + url_for(endpoint, **args)) for fmt, endpoint, args in files])
        for key, files in DATASETS
    ]
    return render_template("main/open_data.html", datasets=datasets)
