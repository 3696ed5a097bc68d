"""Presence: who is connected to a meeting's room right now (not who is formally present).

Kept in memory per process; with Redis (REDIS_URL) also in one hash per meeting, field
socket id -> "<member public id or empty>|<expiry epoch>", so that every process counts the
connections of all. Each process refreshes the expiry of its own sockets (a heartbeat), so a
process that dies leaves nothing behind for longer than TTL seconds. Not a record event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import cast

from realtime.peers import redis_client

log = logging.getLogger(__name__)

TTL = 60  # seconds an entry lives without a heartbeat


class Presence:
    def __init__(
        self, redis_url: str | None = None, prefix: str = "consiglio", connections: int = 50
    ) -> None:
        self._lock = threading.Lock()
        self._local: dict[int, dict[str, str]] = {}  # meeting -> sid -> member id or ""
        self._rooms_of: dict[str, set[int]] = {}  # sid -> meetings
        self._redis = redis_client(redis_url, connections) if redis_url else None
        self._prefix = f"{prefix}:presence"

    def _key(self, meeting_id: int) -> str:
        return f"{self._prefix}:{meeting_id}"

    def join(self, meeting_id: int, sid: str, member_id: str | None) -> bool:
        """Count the socket in; false if it was already (a join repeated changes nothing)."""
        with self._lock:
            sids = self._local.setdefault(meeting_id, {})
            if sids.get(sid) == (member_id or ""):
                return False
            sids[sid] = member_id or ""
            self._rooms_of.setdefault(sid, set()).add(meeting_id)
        if self._redis is not None:
            self._write(meeting_id, {sid: member_id or ""})
        return True

    def leave(self, sid: str, meeting_id: int | None = None) -> list[int]:
        """Forget a socket in one meeting (or all, when it disconnects); the meetings left."""
        with self._lock:
            rooms = self._rooms_of.get(sid, set())
            left = [m for m in rooms if meeting_id is None or m == meeting_id]
            for meeting in left:
                rooms.discard(meeting)
                sids = self._local.get(meeting, {})
                sids.pop(sid, None)
                if not sids:
                    self._local.pop(meeting, None)
            if not rooms:
                self._rooms_of.pop(sid, None)
        if self._redis is not None:
            for meeting in left:
                self._redis.hdel(self._key(meeting), sid)
        return left

    def summary(self, meeting_id: int) -> dict:
        """{"connected": sockets in the room, "members_connected": sorted member ids}."""
        if self._redis is None:
            with self._lock:
                entries = list(self._local.get(meeting_id, {}).values())
        else:
            entries = self._read(meeting_id)
        return {
            "connected": len(entries),
            "members_connected": sorted({member for member in entries if member}),
        }

    def heartbeat(self) -> None:
        """Renew the expiry of this process's sockets in Redis."""
        if self._redis is None:
            return
        with self._lock:
            snapshot = {meeting: dict(sids) for meeting, sids in self._local.items()}
        for meeting, sids in snapshot.items():
            self._write(meeting, sids)

    def run_heartbeats(self, sleep, interval: float = TTL / 3) -> None:
        """Loop for a background task: sleep is socketio.sleep (cooperative under gevent)."""
        while True:
            sleep(interval)
            try:
                self.heartbeat()
            except Exception:
                log.exception("presence heartbeat failed")

    # --- Redis -------------------------------------------------------------------------------

    def _write(self, meeting_id: int, sids: dict[str, str]) -> None:
        assert self._redis is not None
        expires = int(time.time()) + TTL
        key = self._key(meeting_id)
        pipe = self._redis.pipeline()
        pipe.hset(key, mapping={sid: f"{member}|{expires}" for sid, member in sids.items()})
        pipe.expire(key, TTL * 2)
        pipe.execute()

    def _read(self, meeting_id: int) -> list[str]:
        assert self._redis is not None
        now = int(time.time())
        key = self._key(meeting_id)
        entries, stale = [], []
        # The client does not decode (peers.redis_client): the hash holds bytes.
        for sid, value in cast(dict[bytes, bytes], self._redis.hgetall(key)).items():
            member, _sep, expires = value.decode().rpartition("|")
            if not expires.isdigit() or int(expires) < now:
                stale.append(sid)
            else:
                entries.append(member)
        if stale:
            self._redis.hdel(key, *stale)
        return entries

    def forget_all(self, meeting_ids: Iterable[int]) -> None:
        """Tests: drop what Redis holds for these meetings."""
        if self._redis is not None:
            for meeting in meeting_ids:
                self._redis.delete(self._key(meeting))
