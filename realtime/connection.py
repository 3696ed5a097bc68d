"""Connecting, authentication from the Flask-Login session cookie, and joining rooms."""

from __future__ import annotations

import logging

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO, join_room, leave_room

from council.domain import permissions

log = logging.getLogger(__name__)

# Rooms anyone may follow; later capabilities add per-proposal and per-meeting rooms.
PUBLIC_ROOMS = {"record"}


def error(code: str, message: str) -> dict:
    return {"ok": False, "error": code, "message": message}


def register(socketio: SocketIO) -> None:
    @socketio.on("connect")
    def on_connect(_auth=None):
        user = permissions.as_user(current_user)
        log.debug("socket %s connected as %s", request.sid, user.public_id if user else "public")
        return True

    @socketio.on("room.join")
    def on_join(payload=None):
        room = payload.get("room") if isinstance(payload, dict) else None
        if not isinstance(room, str) or room not in PUBLIC_ROOMS:
            return error("invalid", _("Unknown room."))
        join_room(room)
        return {"ok": True, "room": room}

    @socketio.on("room.leave")
    def on_leave(payload=None):
        room = payload.get("room") if isinstance(payload, dict) else None
        if not isinstance(room, str) or room not in PUBLIC_ROOMS:
            return error("invalid", _("Unknown room."))
        leave_room(room)
        return {"ok": True, "room": room}
