"""Socket.IO: connection and auth, rooms, and the broadcast of committed domain events."""

from __future__ import annotations

from flask import Flask

from council.extensions import socketio
from realtime import broadcast, connection, login_sessions, meeting_room
from realtime.guard import Guard, PacketJSON
from realtime.peers import Peers


def init_realtime(app: Flask) -> None:
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel=app.config.get("SOCKETIO_CHANNEL", "consiglio-socketio"),
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        manage_session=False,
        ping_interval=20,
        ping_timeout=20,
        max_http_buffer_size=64 * 1024,
        json=PacketJSON,
    )
    peers = None
    if app.config["REDIS_URL"]:
        prefix = app.config.get("SOCKETIO_CHANNEL", "consiglio")
        peers = Peers(app.config["REDIS_URL"], f"{prefix}:peers")
    guard = Guard.from_config(app.config)
    guard.install(socketio.server, app)
    connection.register(socketio, peers, guard)
    login_sessions.register(socketio, peers)
    meeting_room.register(socketio, app, peers, guard)
    broadcast.start(peers)
