"""The other server processes of a site, over one Redis pub/sub channel.

Two kinds of message travel here, each once per committed transaction:

- "changed": the live rooms a transaction changed (a few bytes); every process builds a
  room's snapshot once per window from the database and sends it to its own sockets only
  (coalesce.py, `local`), so that no socket gets one snapshot per process that changed it.
- "emit": the Socket.IO messages of a transaction (record.appended, discussion.changed,
  notifications.count; broadcast.py), which every process sends to its own sockets: one
  Redis message per transaction, where Socket.IO's queue takes one per message.

Why not Socket.IO's own queue, measured: bench/README.md, "Ballots committed in groups, one
snapshot per process" and "One Redis message per transaction, measured".

Payloads are JSON: nothing read from Redis is unpickled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

import redis

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]


def redis_client(url: str, connections: int = 50) -> redis.Redis:
    """A client whose callers wait for a free connection (redis-py's default pool raises
    past 100: 2,000 phones reconnecting at once after a restart would fail)."""
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=connections, timeout=20)
    return redis.Redis(connection_pool=pool)


class Peers:
    """`on(kind, handler)` says what to do with another process's messages of a kind;
    `publish(kind, payload)` tells the others; `start` subscribes, once per process."""

    def __init__(self, url: str, channel: str) -> None:
        self._redis = redis_client(url)
        self.channel = channel
        self.me = uuid.uuid4().hex
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.listening = False

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def publish(self, kind: str, payload: Any) -> None:
        try:
            self._redis.publish(self.channel, f"{self.me} {kind} {json.dumps(payload)}")
        except redis.RedisError:  # the others catch up with the next change or reconnect
            log.exception("could not tell the other processes of %s", kind)

    def start(self, start_task: Callable, sleep: Callable[[float], None]) -> None:
        """Subscribe before returning, so that what the others publish from then on arrives
        (called as the process's first socket connects, before it joins a room), then listen
        in a background task. Later calls return at once."""
        with self._lock:
            if self.listening:
                return
            self.listening = True
        try:
            pubsub = self._subscribe()
        except redis.RedisError:
            log.exception("could not listen to the other processes: again in 1 s")
            pubsub = None
        start_task(self._listen, pubsub, sleep)

    def _subscribe(self) -> Any:
        pubsub = self._redis.pubsub()
        pubsub.subscribe(self.channel)
        confirmed = pubsub.get_message(timeout=5)  # the answer to SUBSCRIBE comes first
        if confirmed is None or confirmed["type"] != "subscribe":
            pubsub.close()
            raise redis.ConnectionError(f"no answer to SUBSCRIBE {self.channel} within 5 s")
        return pubsub

    def _listen(self, pubsub: Any, sleep: Callable[[float], None]) -> None:
        """Loop for a background task: the other processes' messages, until the end."""
        while True:
            try:
                if pubsub is None:
                    pubsub = self._subscribe()
                for message in pubsub.listen():
                    if message["type"] == "message":
                        self.received(message["data"])
            except Exception:
                log.exception("listening to the other processes failed: again in 1 s")
                if pubsub is not None:
                    with contextlib.suppress(redis.RedisError, OSError):
                        pubsub.close()
                pubsub = None
                sleep(1)

    def received(self, data: bytes) -> None:
        """One message: "<sender> <kind> <JSON>"; a bad one is logged, and the next comes."""
        try:
            sender, _sep, rest = data.decode().partition(" ")
            kind, _sep, payload = rest.partition(" ")
            handler = self._handlers.get(kind)
            if sender != self.me and handler is not None:
                handler(json.loads(payload))
        except Exception:
            log.exception("a message of another process could not be handled: %.80r", data)
