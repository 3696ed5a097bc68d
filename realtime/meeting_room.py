"""The live session over Socket.IO: one room per meeting ("meeting:<id>"), the events members,
the chair and the secretary send, and the coalesced, versioned snapshots everyone receives.

Handlers are thin: validate the payload, run the domain operation in a unit of work, answer
an acknowledgement. The protocol is documented in docs/realtime.md (keep both in step).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO, join_room, leave_room

from council import events
from council.domain import (
    accounts,
    attendance,
    ballots,
    declared_votes,
    live_session,
    meetings,
    permissions,
    polls,
    proxies,
    speakers,
    voting,
)
from council.domain.record import format_at
from council.errors import DomainError
from council.extensions import db
from council.i18n import speaking
from council.models.base import utcnow
from council.models.meeting import Meeting
from council.models.user import Role
from council.unit_of_work import unit_of_work
from realtime import connection
from realtime.coalesce import Coalescer, InFlight
from realtime.group_commit import GroupCommit, Waiting
from realtime.guard import Guard, error
from realtime.payloads import Text, Version, parse
from realtime.peers import Peers
from realtime.presence import Presence

log = logging.getLogger(__name__)

SNAPSHOT = "meeting.snapshot"
ACTIONS_IN_FLIGHT = InFlight()  # the socket actions this process is running
GROUPED = {"ballot.cast"}  # actions committed in batches by the process's writer
WRITER_TIMEOUT = 30.0  # seconds a grouped action waits for its batch


class Live:
    """The per-process pieces: the coalescer of snapshots, the presence store, the writer of
    ballots and, with Redis, the other processes (each sends its own sockets its own
    snapshot: peers.py)."""

    def __init__(self, socketio: SocketIO, app: Flask, peers: Peers | None, guard: Guard) -> None:
        self.socketio = socketio
        self.guard = guard  # the limits of each socket (guard.py)
        redis_url = app.config.get("REDIS_URL")
        prefix = app.config.get("SOCKETIO_CHANNEL", "consiglio")
        self._started = False  # the heartbeats start with the first member who joins
        self.presence = Presence(redis_url, prefix=prefix)
        self.peers = peers
        if peers is not None:
            peers.on("changed", self._changed_elsewhere)
        self.window = float(app.config.get("LIVE_BROADCAST_WINDOW", 0.1))
        self._changed_by_peer: dict[str, float] = {}  # room -> when another process said so
        # room -> how many changes of its live state this process heard of, and the latest
        # snapshot built with the count it was built at (a join reuses it while no change came)
        self._lock = threading.Lock()
        self._generation: dict[str, int] = {}
        self._kept: dict[str, tuple[int, dict[str, Any]]] = {}
        # a snapshot waits for the requests in flight, up to five windows (coalesce.py)
        self.coalescer = Coalescer(
            socketio, app, self.snapshot_for_room, event=SNAPSHOT, window=self.window,
            busy=self._busy, hold=5 * self.window, local=bool(redis_url),
            idle=self._until_idle,
        )  # fmt: skip
        self.group_commit = GroupCommit(
            app, socketio.start_background_task, run=_cast_batch,
            answer=lambda meeting, _: _answer(meeting), refused=_refused,
            alone=lambda login, args, operation: _alone(_person(login), args, operation),
        )  # fmt: skip

    def snapshot(self, meeting: Meeting) -> dict[str, Any]:
        state = live_session.state(db.session, meeting)
        state["presence"] = self.presence.summary(meeting.id)
        return state

    def snapshot_for_room(self, room: str) -> dict[str, Any] | None:
        generation = self._generation.get(room, 0)
        meeting = db.session.get(Meeting, int(room.removeprefix("meeting:")))
        return self._keep(room, generation, self.snapshot(meeting)) if meeting else None

    def snapshot_for_join(self, meeting: Meeting, again: bool = False) -> dict[str, Any]:
        """The room's snapshot for a joining socket: the one last built, with presence and
        the time of now, while no change of the live state came since (a reconnecting crowd
        costs one build), or whatever came if the socket is in the room `again` (a broadcast
        of the change follows: a socket joining again and again costs no build); and never
        older than the latest this process built for the room, which may already have
        reached the socket."""
        name = room(meeting.id)
        with self._lock:
            generation = self._generation.get(name, 0)
            kept = self._kept.get(name)
        built = kept is None or (kept[0] != generation and not again)
        if built:
            state = self._keep(name, generation, self.snapshot(meeting))
            presence = state["presence"]
        else:
            assert kept is not None
            state, presence = kept[1], self.presence.summary(meeting.id)
        with self._lock:  # a broadcast built meanwhile is newer
            latest = self._kept[name][1]
        if built and latest["version"] <= state["version"]:
            return state
        newest = latest if latest["version"] > state["version"] else state
        return {**newest, "presence": presence, "server_time": format_at(utcnow())}

    def _keep(self, name: str, generation: int, state: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            kept = self._kept.get(name)
            if kept is None or (kept[0], kept[1]["version"]) <= (generation, state["version"]):
                self._kept[name] = (generation, state)
        return state

    def _state_changed(self, name: str) -> None:
        with self._lock:
            self._generation[name] = self._generation.get(name, 0) + 1

    def changed(self, *meeting_ids: int, state: bool = True) -> None:
        """The rooms of these meetings changed (`state`: their live state; else presence
        only): here, and one message to the others."""
        rooms = [room(meeting_id) for meeting_id in meeting_ids]
        for name in rooms:
            if state:
                self._state_changed(name)
            self.coalescer.mark(name)
        if self.peers is not None and rooms:
            self.peers.publish("changed", rooms)

    def _changed_elsewhere(self, rooms: Any) -> None:
        for name in rooms if isinstance(rooms, list) else []:
            if isinstance(name, str) and name.removeprefix("meeting:").isdigit():
                self._changed_by_peer[name] = time.monotonic()
                self._state_changed(name)
                self.coalescer.mark(name)

    def _busy(self, room: str) -> bool:
        """Actions still running here, or another process changed the room within the last
        window (its burst goes on: its ballots come in batches). With two processes sharing a
        burst, the one done first sent every viewer a second snapshot (bench/README.md)."""
        if ACTIONS_IN_FLIGHT():
            return True
        changed = self._changed_by_peer.get(room)
        return changed is not None and time.monotonic() - changed < self.window

    def _until_idle(self, seconds: float) -> None:
        """The held broadcast goes as soon as this process's last action ends, not at its
        next look; while only another process's burst holds it, it sleeps."""
        if ACTIONS_IN_FLIGHT():
            ACTIONS_IN_FLIGHT.wait_idle(seconds)
        else:
            self.socketio.sleep(seconds)

    def joined(self, meeting_id: int, sid: str, member: str | None) -> bool:
        """Count the socket in the room's presence; false if it was already."""
        new = self.presence.join(meeting_id, sid, member)
        if new:
            self.changed(meeting_id, state=False)  # the others see one more connection
        if not self._started and self.peers is not None:  # only Redis entries expire
            self._started = True
            self.socketio.start_background_task(self.presence.run_heartbeats, self.socketio.sleep)
        return new


_live: Live | None = None


def live() -> Live:
    assert _live is not None, "realtime.meeting_room.register() was not called"
    return _live


def room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def on_committed(batch: list[events.Event]) -> None:
    """Every committed record event of a meeting changes its live state, and so does a
    poll's (queued as LIVE_CHANGED with the meeting as subject): each meeting once."""
    if _live is None:
        return
    changed: dict[int, None] = {}
    for event in batch:
        if event.record_seq is None and event.kind != polls.LIVE_CHANGED:
            continue
        kind, _sep, key = event.subject.partition(":")
        if kind == "meeting" and key.isdigit():
            changed[int(key)] = None
    _live.changed(*changed)


def _actor():
    return current_user._get_current_object() if current_user else None


def _person(login: str | None):
    return accounts.logged_in(db.session, [login]).get(login)


def _cast_batch(work, poll_id: Any, batch: list[Waiting]) -> list:
    """A batch of ballots of one poll (group_commit.py) in the writer's transaction: the poll
    locked once (polls.lock_for_ballots; a poll that does not exist is each ballot's own
    refusal), the people of the batch loaded together, the ballots cast together
    (ballots.cast_ballots)."""
    with contextlib.suppress(DomainError):
        polls.lock_for_ballots(work, poll_id)
    people = accounts.logged_in(work, {waiting.login for waiting in batch})
    outcomes: list = [None] * len(batch)
    requests, placed = [], []
    for n, waiting in enumerate(batch):
        actor, args = people.get(waiting.login), waiting.args
        try:
            with speaking(waiting.language):
                _poll(work, args, actor, "ballot.cast")
        except DomainError as refusal:
            outcomes[n] = refusal
            continue
        requests.append(ballots.BallotRequest(
            actor, args["choice"], args["client_ballot_id"], args.get("for_member"),
            args.get("reason"), waiting.language,
        ))  # fmt: skip
        placed.append(n)
    cast = ballots.cast_ballots(work, poll_id, requests)
    if placed:  # each ballot's own version: of two changes of one vote, the later is higher
        last = live_session.version(work, batch[placed[0]].args["meeting"]) or 0
        steps = max((o.step or 0 for o in cast if isinstance(o, ballots.BallotResult)), default=0)
    for n, outcome in zip(placed, cast, strict=True):
        if isinstance(outcome, DomainError):
            outcomes[n] = outcome
            continue
        version = last - steps + outcome.step if outcome.step else last
        outcomes[n] = {"ok": True, "state_version": version, **_ballot_result(outcome)}
    return outcomes


def _answer(meeting_id: int, **extra) -> dict[str, Any]:
    version = live_session.version(db.session, meeting_id)
    return {"ok": True, "state_version": version, **extra}


def act(
    payload: Any, required: dict, optional: dict | None, operation: Callable, grouped=False
) -> dict:
    """Parse, run the operation in its own transaction (or, `grouped`, in the writer's next
    batch: group_commit.py), acknowledge (or say why not)."""
    with ACTIONS_IN_FLIGHT.running():
        return _act(payload, required, optional, operation, grouped)


def _event_name() -> str:
    if not has_request_context():  # the writer's thread (group_commit.py)
        return "ballot.cast"
    return str(getattr(request, "event", {}).get("message", "?"))


def _act(
    payload: Any, required: dict, optional: dict | None, operation: Callable, grouped: bool
) -> dict:
    try:
        args = parse(payload, {"meeting": int, **required}, optional)
    except DomainError as refusal:
        return _refused(refusal)
    if not grouped:  # the actor loaded before the unit of work: not while holding the lock
        return _alone(_actor(), args, operation)
    waiting = live().group_commit.submit(
        args.get("poll"), connection.login(), args, operation, WRITER_TIMEOUT,
        language=connection.language(),
    )  # fmt: skip
    if waiting.ack is None:
        return error("busy", _("The server did not answer in time: send it again, "
                               "it is never counted twice."))  # fmt: skip
    return waiting.ack


def _refused(refusal: DomainError) -> dict:
    return error(refusal.code, refusal.message)


def _alone(actor: Any, args: dict, operation: Callable) -> dict:
    """The operation in its own unit of work, and its acknowledgement; none if the operation
    says, reading, that it would change nothing (`unchanged`: a check-in sent again)."""
    try:
        unchanged = getattr(operation, "unchanged", None)
        if unchanged is not None and unchanged(db.session, actor, args):
            return _answer(args["meeting"])
        with unit_of_work() as work:
            result = operation(work, actor, args)
        return _answer(args["meeting"], **(result if isinstance(result, dict) else {}))
    except DomainError as refusal:
        return _refused(refusal)
    except Exception:
        log.exception("socket event %s failed", _event_name())
        db.session.rollback()
        return error("error", _("An unexpected error occurred. Nothing was changed."))


# --- handlers ---------------------------------------------------------------------------------


def _you(user) -> dict[str, Any] | None:
    """Who the server takes this socket for: a person (their public id, name and roles), or
    None for the public (no login, or one it did not accept)."""
    if user is None:
        return None
    return {"id": user.public_id, "name": user.name, "member": user.has_role(Role.MEMBER),
            "roles": sorted(role.value for role in user.roles)}  # fmt: skip


def on_join(payload=None):
    try:
        args = parse(payload, {"meeting": int}, {"since_version": Version})
        user = permissions.as_user(current_user)
        meeting = meetings.get(db.session, user, args["meeting"])
    except DomainError as refused:
        return error(refused.code, refused.message)
    try:
        join_room(room(meeting.id))
    except (ValueError, KeyError):  # the client left meanwhile (its page navigated away)
        return error("gone", _("Not connected."))
    member = user.public_id if user is not None and user.has_role(Role.MEMBER) else None
    again = not live().joined(meeting.id, request.sid, member)
    snapshot = live().snapshot_for_join(meeting, again)
    mine = polls.mine(db.session, meeting, user) if member else None
    ack = {"ok": True, "state_version": snapshot["version"], "snapshot": snapshot,
           "mine": mine, "you": _you(user)}  # fmt: skip
    if "since_version" in args:
        ack["unchanged"] = args["since_version"] == snapshot["version"]
    return ack


def on_leave(payload=None):
    try:
        args = parse(payload, {"meeting": int})
    except DomainError as refused:
        return error(refused.code, refused.message)
    with contextlib.suppress(KeyError, ValueError):  # the client is already gone
        leave_room(room(args["meeting"]))
    for meeting_id in live().presence.leave(request.sid, args["meeting"]):
        live().changed(meeting_id, state=False)
    return {"ok": True}


def on_disconnect(*_args):
    if _live is not None:
        _live.guard.limits.forget(request.sid)
        for meeting_id in _live.presence.leave(request.sid):
            _live.changed(meeting_id, state=False)


def _check_in(db_, actor, a):
    attendance.check_in(db_, actor, a["meeting"], a.get("member"))


_check_in.unchanged = lambda db_, actor, a: attendance.already_present(  # type: ignore[attr-defined]  # read by _alone
    db_, actor, a["meeting"], a.get("member")
)


def _check_out(db_, actor, a):
    attendance.check_out(db_, actor, a["meeting"], a.get("member"))


def _request(db_, actor, a):
    row = speakers.request(db_, actor, a["meeting"], kind=a["kind"], client_id=a["client_id"])
    return {"request": row.id}


def _poll(db_, a, actor, action: str) -> int:
    """The poll named, once the actor may do `action` at all (not_allowed before not_found)."""
    permissions.require(actor, action)
    return polls.of_meeting(db_, a["meeting"], a["poll"])


def _prepare(db_, actor, a):
    poll = voting.prepare_poll(
        db_, actor, a["meeting"], item_id=a["item"], kind=a["kind"], rule=a["rule"],
        question=a["question"], amendment_id=a.get("amendment"),
        allow_change=a.get("allow_change", False),
    )  # fmt: skip
    return {"poll": poll.id}


def _cast(db_, actor, a):
    result = voting.cast_ballot(
        db_, actor, _poll(db_, a, actor, "ballot.cast"), a["choice"], a["client_ballot_id"],
        for_member=a.get("for_member"), reason=a.get("reason"),
    )  # fmt: skip
    return _ballot_result(result)


def _ballot_result(result: ballots.BallotResult) -> dict[str, Any]:
    return {"ballot": {"poll": result.poll_id, "cast_for": result.cast_for,
                       "choice": result.choice, "repeated": result.repeated,
                       "changed": result.changed}}  # fmt: skip


def _declare(db_, actor, a):
    """A vote a member present declares aloud, entered by the chair or the secretary."""
    result = declared_votes.declare_vote(
        db_, actor, _poll(db_, a, actor, "ballot.declare"), a["member"], a["choice"],
        a["client_id"],
    )  # fmt: skip
    return _ballot_result(result)


def _decide(db_, actor, a):
    decision = voting.record_decision(
        db_, actor, _poll(db_, a, actor, "decision.record"), a.get("text")
    )
    return {"decision": decision.number if decision is not None else None}


# event name -> (required fields, optional fields, operation(db, actor, args))
ACTIONS: dict[str, tuple[dict, dict | None, Callable]] = {
    "attendance.check_in": ({}, {"member": str}, _check_in),
    "attendance.check_out": ({}, {"member": str}, _check_out),
    "speakers.request": ({"kind": str, "client_id": str}, None, _request),
    "speakers.withdraw": (
        {"request": int}, None, lambda d, u, a: speakers.withdraw(d, u, a["meeting"], a["request"])
    ),
    "speakers.give_floor": (
        {"request": int}, {"limit_s": int},
        lambda d, u, a: speakers.give_floor(
            d, u, a["meeting"], a["request"], limit_s=a.get("limit_s")
        ),
    ),
    "speakers.end_floor": (
        {"request": int}, None, lambda d, u, a: speakers.end_floor(d, u, a["meeting"], a["request"])
    ),
    "speakers.reorder": (
        {"request": int, "position": int}, None,
        lambda d, u, a: speakers.reorder(d, u, a["meeting"], a["request"], a["position"]),
    ),
    "session.open": ({}, None, lambda d, u, a: live_session.open_session(d, u, a["meeting"])),
    "session.suspend": ({}, None, lambda d, u, a: live_session.suspend(d, u, a["meeting"])),
    "session.resume": ({}, None, lambda d, u, a: live_session.resume(d, u, a["meeting"])),
    "session.close": ({}, None, lambda d, u, a: live_session.close(d, u, a["meeting"])),
    "agenda.move_to": (
        {"item": int}, None, lambda d, u, a: live_session.move_to(d, u, a["meeting"], a["item"])
    ),
    "proxy.grant": ({"to": str}, None, lambda d, u, a: proxies.grant(d, u, a["meeting"], a["to"])),
    "proxy.revoke": ({}, None, lambda d, u, a: proxies.revoke(d, u, a["meeting"])),
    "poll.prepare": (
        {"item": int, "kind": str, "rule": str, "question": Text(voting.MAX_QUESTION)},
        {"amendment": int, "allow_change": bool}, _prepare,
    ),
    "poll.open": (
        {"poll": int}, None, lambda d, u, a: voting.open_poll(d, u, _poll(d, a, u, "poll.run"))
    ),
    "poll.close": (
        {"poll": int}, None, lambda d, u, a: voting.close_poll(d, u, _poll(d, a, u, "poll.run"))
    ),
    "ballot.cast": (
        {"poll": int, "choice": str, "client_ballot_id": str},
        {"for_member": str, "reason": Text(ballots.MAX_REASON)}, _cast,
    ),
    "ballot.declare": (
        {"poll": int, "member": str, "choice": str, "client_id": str}, None, _declare
    ),
    "poll.declare_conflict": (
        {"poll": int}, None,
        lambda d, u, a: voting.declare_conflict(d, u, _poll(d, a, u, "ballot.cast")),
    ),
    "decision.record": ({"poll": int}, {"text": Text(voting.MAX_TEXT)}, _decide),
}  # fmt: skip


def _handler(required: dict, optional: dict | None, operation: Callable, grouped: bool):
    def handle(payload=None):
        return act(payload, required, optional, operation, grouped)

    return handle


def register(socketio: SocketIO, app: Flask, peers: Peers | None, guard: Guard) -> None:
    global _live
    _live = Live(socketio, app, peers, guard)
    app.extensions["consiglio_live"] = _live
    socketio.on_event("meeting.join", guard.handler("meeting.join", on_join))
    socketio.on_event("meeting.leave", guard.handler("meeting.leave", on_leave, database=False))
    socketio.on_event("disconnect", on_disconnect)
    for name, (required, optional, operation) in ACTIONS.items():
        grouped = name in GROUPED  # a ballot waits for the writer, holding no connection
        handle = _handler(required, optional, operation, grouped)
        socketio.on_event(name, guard.handler(name, handle, database=not grouped))
    events.subscribe_batch(on_committed)
