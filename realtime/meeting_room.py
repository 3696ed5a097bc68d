"""The live session over Socket.IO: one room per meeting ("meeting:<id>"), the events members,
the chair and the secretary send, and the coalesced, versioned snapshots everyone receives.

Every action is a named handler (`@action`: its event, fields and permission, the domain
call) run by one door (`Action`: parse, permission, unit of work, acknowledgement or refusal);
`ballot.cast` goes to the process's writer instead (`CastBallot`, group_commit.py). The
protocol is documented in docs/realtime.md (keep both in step).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO, join_room, leave_room

from council import events
from council.domain import permissions
from council.domain.meetings import attendance, live_session, meetings, speakers
from council.domain.record.record import format_at
from council.domain.voting import ballots, declared_votes, poll_queries, polls, proxies
from council.errors import DomainError
from council.extensions import db
from council.models.base import utcnow
from council.models.meeting import Meeting
from council.models.user import Role
from council.unit_of_work import unit_of_work
from realtime import connection
from realtime.ballot_writer import BallotWriter, ballot_answer, refused
from realtime.coalesce import Coalescer, InFlight
from realtime.group_commit import Ack, GroupCommit
from realtime.guard import Guard, error, unexpected
from realtime.payloads import Text, Version, parse
from realtime.peers import Peers
from realtime.presence import Presence

log = logging.getLogger(__name__)

SNAPSHOT = "meeting.snapshot"
ACTIONS_IN_FLIGHT = InFlight()  # the socket actions this process is running
WRITER_TIMEOUT = 30.0  # seconds a ballot waits for its batch
Operation = Callable[[Any, Any, dict], dict[str, Any] | None]  # (work, actor, args)


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
        self.group_commit = GroupCommit(app, socketio.start_background_task, BallotWriter())

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
        if event.record_seq is None and event.kind != poll_queries.LIVE_CHANGED:
            continue
        kind, _sep, key = event.subject.partition(":")
        if kind == "meeting" and key.isdigit():
            changed[int(key)] = None
    _live.changed(*changed)


# --- the door: what every action of the room goes through -----------------------------------


@dataclass(frozen=True)
class Door:
    """A socket event that changes the meeting, as every one is answered: its payload parsed
    (`meeting` always, then `required` and `optional`: an `invalid` refusal names the first
    bad field), then `run`, counted among the actions in flight (the room's broadcast waits
    for them: coalesce.py)."""

    name: str
    required: dict[str, Any]
    optional: dict[str, Any] | None

    def __call__(self, payload: Any = None) -> Ack:
        with ACTIONS_IN_FLIGHT.running():
            try:
                args = parse(payload, {"meeting": int, **self.required}, self.optional)
            except DomainError as refusal:
                return refused(refusal)
            return self.run(args)

    def run(self, args: dict) -> Ack:
        raise NotImplementedError


@dataclass(frozen=True)
class Action(Door):
    """An action run here: the actor (loaded before the write lock), the `permission` it
    needs, asked before anything is looked up (not_allowed before not_found), then
    `operation(work, actor, args)` in its own unit of work, acknowledged with the live version
    it led to; `unchanged(session, actor, args)`, read first, answers without a write
    transaction when the operation would change nothing (a check-in sent again)."""

    operation: Operation
    permission: str | None = None
    unchanged: Callable[[Any, Any, dict], bool] | None = None

    def run(self, args: dict) -> Ack:
        actor = _actor()
        try:
            if self.permission is not None:
                permissions.require(actor, self.permission)
            if self.unchanged is not None and self.unchanged(db.session, actor, args):
                return _answer(args["meeting"])
            with unit_of_work() as work:
                result = self.operation(work, actor, args)
            return _answer(args["meeting"], **(result or {}))
        except DomainError as refusal:
            return refused(refusal)
        except Exception:
            log.exception("socket event %s failed", self.name)
            db.session.rollback()
            return unexpected()


@dataclass(frozen=True)
class CastBallot(Door):
    """`ballot.cast`, handed with the socket's login to the process's writer, which stores
    the ballots waiting for one poll in one transaction (group_commit.py, ballot_writer.py)."""

    def run(self, args: dict) -> Ack:
        waiting = live().group_commit.submit(
            args["poll"], connection.login(), args, WRITER_TIMEOUT, connection.language()
        )
        if waiting.ack is None:
            return error("busy", _("The server did not answer in time: send it again, "
                                   "it is never counted twice."))  # fmt: skip
        return waiting.ack


ACTIONS: dict[str, Door] = {}


def action(
    name: str, required: dict | None = None, optional: dict | None = None, *,
    permission: str | None = None, unchanged: Callable | None = None,
) -> Callable[[Operation], Operation]:  # fmt: skip
    """Register `operation(work, actor, args)` as the socket event `name` (register())."""

    def add(operation: Operation) -> Operation:
        ACTIONS[name] = Action(name, required or {}, optional, operation, permission, unchanged)
        return operation

    return add


def _actor():
    return current_user._get_current_object() if current_user else None


def _answer(meeting_id: int, **extra) -> Ack:
    """A change acknowledged with the live version it led to (read after its commit)."""
    return {"ok": True, "state_version": live_session.version(db.session, meeting_id), **extra}


def _poll(work, a: dict) -> int:
    """The poll named, if it belongs to the meeting named (a request naming a meeting and
    another meeting's poll is refused `not_found`)."""
    return poll_queries.of_meeting(work, a["meeting"], a["poll"])


# --- the room's actions (docs/realtime.md: "The live session: client → server", "Votes") --


def _already_present(session, actor, a) -> bool:
    return attendance.already_present(session, actor, a["meeting"], a.get("member"))


@action("attendance.check_in", optional={"member": str}, unchanged=_already_present)
def check_in(work, actor, a):
    attendance.check_in(work, actor, a["meeting"], a.get("member"))


@action("attendance.check_out", optional={"member": str})
def check_out(work, actor, a):
    attendance.check_out(work, actor, a["meeting"], a.get("member"))


@action("speakers.request", {"kind": str, "client_id": str})
def request_floor(work, actor, a):
    row = speakers.request(work, actor, a["meeting"], kind=a["kind"], client_id=a["client_id"])
    return {"request": row.id}


@action("speakers.withdraw", {"request": int})
def withdraw_request(work, actor, a):
    speakers.withdraw(work, actor, a["meeting"], a["request"])


@action("speakers.give_floor", {"request": int}, {"limit_s": int})
def give_floor(work, actor, a):
    speakers.give_floor(work, actor, a["meeting"], a["request"], limit_s=a.get("limit_s"))


@action("speakers.end_floor", {"request": int})
def end_floor(work, actor, a):
    speakers.end_floor(work, actor, a["meeting"], a["request"])


@action("speakers.reorder", {"request": int, "position": int})
def reorder_speakers(work, actor, a):
    speakers.reorder(work, actor, a["meeting"], a["request"], a["position"])


@action("session.open")
def open_session(work, actor, a):
    live_session.open_session(work, actor, a["meeting"])


@action("session.suspend")
def suspend_session(work, actor, a):
    live_session.suspend(work, actor, a["meeting"])


@action("session.resume")
def resume_session(work, actor, a):
    live_session.resume(work, actor, a["meeting"])


@action("session.close")
def close_session(work, actor, a):
    live_session.close(work, actor, a["meeting"])


@action("agenda.move_to", {"item": int})
def move_to_item(work, actor, a):
    live_session.move_to(work, actor, a["meeting"], a["item"])


@action("proxy.grant", {"to": str})
def grant_proxy(work, actor, a):
    proxies.grant(work, actor, a["meeting"], a["to"])


@action("proxy.revoke")
def revoke_proxy(work, actor, a):
    proxies.revoke(work, actor, a["meeting"])


@action("poll.prepare",
        {"item": int, "kind": str, "rule": str, "question": Text(polls.MAX_QUESTION)},
        {"amendment": int, "allow_change": bool})  # fmt: skip
def prepare_poll(work, actor, a):
    poll = polls.prepare_poll(
        work, actor, a["meeting"], item_id=a["item"], kind=a["kind"], rule=a["rule"],
        question=a["question"], amendment_id=a.get("amendment"),
        allow_change=a.get("allow_change", False),
    )  # fmt: skip
    return {"poll": poll.id}


@action("poll.open", {"poll": int}, permission="poll.run")
def open_poll(work, actor, a):
    polls.open_poll(work, actor, _poll(work, a))


@action("poll.close", {"poll": int}, permission="poll.run")
def close_poll(work, actor, a):
    polls.close_poll(work, actor, _poll(work, a))


@action("poll.declare_conflict", {"poll": int}, permission="ballot.cast")
def declare_conflict(work, actor, a):
    polls.declare_conflict(work, actor, _poll(work, a))


@action("ballot.declare", {"poll": int, "member": str, "choice": str, "client_id": str},
        permission="ballot.declare")  # fmt: skip
def declare_vote(work, actor, a):
    """A vote a member present declares aloud, entered by the chair or the secretary."""
    result = declared_votes.declare_vote(
        work, actor, _poll(work, a), a["member"], a["choice"], a["client_id"]
    )
    return ballot_answer(result)


@action("decision.record", {"poll": int}, {"text": Text(polls.MAX_TEXT)},
        permission="decision.record")  # fmt: skip
def record_decision(work, actor, a):
    decision = polls.record_decision(work, actor, _poll(work, a), a.get("text"))
    return {"decision": decision.number if decision is not None else None}


ACTIONS["ballot.cast"] = CastBallot(
    "ballot.cast", {"poll": int, "choice": str, "client_ballot_id": str},
    {"for_member": str, "reason": Text(ballots.MAX_REASON)},
)  # fmt: skip


# --- joining and leaving a room -----------------------------------------------------------------


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
    except DomainError as refusal:
        return refused(refusal)
    try:
        join_room(room(meeting.id))
    except (ValueError, KeyError):  # the client left meanwhile (its page navigated away)
        return error("gone", _("Not connected."))
    member = user.public_id if user is not None and user.has_role(Role.MEMBER) else None
    again = not live().joined(meeting.id, request.sid, member)
    snapshot = live().snapshot_for_join(meeting, again)
    mine = poll_queries.mine(db.session, meeting, user) if member else None
    ack = {"ok": True, "state_version": snapshot["version"], "snapshot": snapshot,
           "mine": mine, "you": _you(user)}  # fmt: skip
    if "since_version" in args:
        ack["unchanged"] = args["since_version"] == snapshot["version"]
    return ack


def on_leave(payload=None):
    try:
        args = parse(payload, {"meeting": int})
    except DomainError as refusal:
        return refused(refusal)
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


def register(socketio: SocketIO, app: Flask, peers: Peers | None, guard: Guard) -> None:
    global _live
    _live = Live(socketio, app, peers, guard)
    app.extensions["consiglio_live"] = _live
    socketio.on_event("meeting.join", guard.handler("meeting.join", on_join))
    socketio.on_event("meeting.leave", guard.handler("meeting.leave", on_leave, database=False))
    socketio.on_event("disconnect", on_disconnect)
    for name, handle in ACTIONS.items():
        # a ballot waits for the writer holding no database turn: the writer has its own
        database = not isinstance(handle, CastBallot)
        socketio.on_event(name, guard.handler(name, handle, database=database))
    events.subscribe_batch(on_committed)
