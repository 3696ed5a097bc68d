"""The other server processes of a site, over Redis pub/sub: "this room changed".

With several processes, a meeting's snapshot used to travel through the Socket.IO queue: the
process where a ballot was committed built it and every process sent it to its sockets. Two
processes changing a room in the same window then cost every socket two snapshots, and each
process the fan-out of the other's. Instead each process tells the others which room changed
(a few bytes), and every process builds the room's snapshot once per window from the database
and sends it to its own sockets only (coalesce.py, `local`). bench/README.md has the figures.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)


def redis_client(url: str, connections: int = 50) -> redis.Redis:
    """A client whose callers wait for a free connection (redis-py's default pool raises
    past 100: 2,000 phones reconnecting at once after a restart would fail)."""
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=connections, timeout=20)
    return redis.Redis(connection_pool=pool)


class Peers:
    def __init__(self, url: str, channel: str, changed: Callable[[str], None]) -> None:
        self._redis = redis_client(url)
        self.channel = channel
        self.changed = changed  # called with a room another process changed
        self.me = uuid.uuid4().hex
        self.listening = False

    def publish(self, room: str) -> None:
        try:
            self._redis.publish(self.channel, f"{self.me} {room}")
        except redis.RedisError:  # the others catch up with the next change or reconnect
            log.exception("could not tell the other processes that %s changed", room)

    def listen(self, sleep: Callable[[float], None]) -> None:
        """Loop for a background task: rooms the other processes changed, until the end."""
        while True:
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                for message in pubsub.listen():
                    sender, _sep, room = message["data"].decode().partition(" ")
                    if sender != self.me:
                        self.changed(room)
            except Exception:
                log.exception("listening to the other processes failed: again in 1 s")
                sleep(1)
