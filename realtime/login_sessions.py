"""Sockets of ended login sessions are disconnected.

At connect, a logged-in socket joins the room "login:<session id>" (not a room a client may
join or leave: realtime/connection.py ROOMS). When sessions end (logout, every device, a
password change, an account disabled: council/domain/accounts/login_sessions.ENDED), each process
tells its sockets in those rooms "session.ended" and disconnects them; with Redis the other
processes are told through the peers' channel.
"""

from __future__ import annotations

import contextlib
import logging

from flask_socketio import SocketIO, join_room

from council import events
from council.domain.accounts import login_sessions
from realtime.peers import Peers

log = logging.getLogger(__name__)

NAMESPACE = "/"


def room(session_id: int) -> str:
    return f"login:{session_id}"


def follow(login: str | None) -> None:
    """Put the connecting socket in its login session's room (nothing for the public)."""
    session_id = login_sessions.session_id(login)
    if session_id is not None:
        join_room(room(session_id))


def register(socketio: SocketIO, peers: Peers | None) -> None:
    def disconnect_here(session_ids: list[int]) -> None:
        server = socketio.server
        for session_id in session_ids:
            participants = list(server.manager.get_participants(NAMESPACE, room(session_id)))
            for sid, _eio_sid in participants:
                with contextlib.suppress(Exception):  # gone meanwhile
                    server.emit("session.ended", {}, to=sid, namespace=NAMESPACE, ignore_queue=True)
                    server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
            if participants:
                log.info("session %s ended: %d sockets disconnected", session_id, len(participants))

    def on_event(event: events.Event) -> None:
        if event.kind != login_sessions.ENDED:
            return
        ids = [i for i in event.data.get("sessions", []) if isinstance(i, int)]
        disconnect_here(ids)
        if peers is not None:
            peers.publish("sessions_ended", ids)

    if peers is not None:
        peers.on("sessions_ended", disconnect_here)
    events.subscribe(on_event)
