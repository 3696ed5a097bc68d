"""Connecting, authentication from the Flask-Login session cookie, and joining rooms."""

from __future__ import annotations

import contextlib
import logging

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO, join_room, leave_room

from council.domain import permissions
from council.domain.discussion import discussion
from council.errors import NotFound
from council.extensions import db
from realtime import login_sessions
from realtime.guard import LANGUAGE, UNKNOWN_EVENT, WHO, Guard, error, unexpected
from realtime.peers import Peers

log = logging.getLogger(__name__)


def _record_room(_user, key: str | None) -> bool:
    return key is None


def _proposal_room(user, key: str | None) -> bool:
    """proposal:<id>, the live discussion of a published proposal: anyone, the public too."""
    if key is None or not key.isdigit() or len(key) > 9:
        return False
    try:
        discussion.readable_proposal(db.session, user, int(key))
    except NotFound:
        return False
    return True


def _user_room(user, key: str | None) -> bool:
    """user:<public id>, one's own notifications: only that person, logged in."""
    return user is not None and key == user.public_id


# Room kind ("kind" or "kind:<key>") -> may this person (None: the public) follow it?
ROOMS = {"record": _record_room, "proposal": _proposal_room, "user": _user_room}


def may_follow(user, room: str) -> bool:
    kind, _sep, key = room.partition(":")
    resolver = ROOMS.get(kind)
    return resolver is not None and resolver(user, key if _sep else None)


def _room_of(payload) -> str | None:
    room = payload.get("room") if isinstance(payload, dict) else None
    return room if isinstance(room, str) and len(room) <= 64 else None


# The connection's WSGI environment holds, for each later event, the login Flask-Login
# accepted when the socket connected: its session protection (same address and User-Agent as
# the login), the remember cookie, an active account. Sessions are not managed per socket
# (realtime/__init__.py), so the session an event sees is the cookie's again, unchecked.
# It holds too the person's public id (guard.WHO, for the log) and the language chosen then
# (guard.LANGUAGE, for answers made elsewhere).
LOGIN = "consiglio.login"


def login() -> str | None:
    """The login ("<session id>:<secret>") this socket connected with, or None for the
    public, without loading the person: a burst of ballots loads its people at once, and
    checks again that the account is active and the session not ended."""
    return request.environ.get(LOGIN)


def language() -> str | None:
    """The language this socket's answers speak (the one chosen when it connected): the
    process's writer makes a batch's refusals outside any request."""
    return request.environ.get(LANGUAGE)


def register(socketio: SocketIO, peers: Peers | None, guard: Guard) -> None:
    @socketio.on("connect")
    def on_connect(_auth=None):
        if peers is not None:  # before the socket's first room: what follows reaches it
            peers.start(socketio.start_background_task, socketio.sleep)
        user = permissions.as_user(current_user)
        request.environ[LOGIN] = user.get_id() if user is not None else None
        login_sessions.follow(request.environ[LOGIN])  # disconnected when it ends
        request.environ[WHO] = user.public_id if user is not None else None
        request.environ[LANGUAGE] = str(get_locale())
        log.debug("socket %s connected as %s", request.sid, user.public_id if user else "public")
        return True

    @socketio.on_error_default
    def on_error(_exception):
        """A handler outside the guard that failed (connecting: refused)."""
        event = getattr(request, "event", {}).get("message")
        log.exception("socket event %s failed", event)
        return False if event == "connect" else unexpected()

    def on_unknown(_event=None, *_args):
        return error("unknown_event", str(UNKNOWN_EVENT))

    socketio.on_event("*", guard.handler("unknown", on_unknown, database=False))
    socketio.on_event("room.join", guard.handler("room.join", on_join))
    socketio.on_event("room.leave", guard.handler("room.leave", on_leave, database=False))


def on_join(payload=None):
    room = _room_of(payload)
    if room is None or not may_follow(permissions.as_user(current_user), room):
        return error("invalid", _("Unknown room."))
    try:
        join_room(room)
    except (ValueError, KeyError):  # the client left meanwhile (its page navigated away)
        return error("gone", _("Not connected."))
    return {"ok": True, "room": room}


def on_leave(payload=None):
    room = _room_of(payload)
    if room is None or room.partition(":")[0] not in ROOMS:
        return error("invalid", _("Unknown room."))
    with contextlib.suppress(KeyError, ValueError):  # the client is already gone
        leave_room(room)
    return {"ok": True, "room": room}
