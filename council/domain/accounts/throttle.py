"""Counters of attempts kept in the database, so that every server process sees the same
ones: failed logins (per address, per account and address, per account, per device) and
registrations per address.

A counter is one row named by a hash of what it counts (no e-mail or address is stored),
read by primary key and written with one upsert. `forget_expired` keeps the table bounded:
it drops counters older than the longest window and, past `most_rows`, the oldest ones (the
scheduler runs it; `flask accounts forget-expired` for cron).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from council.db import rowcount
from council.models.base import utcnow
from council.models.user import Throttle

FIRST_WAIT = 30  # seconds: the first wait once a backing-off counter is over its limit


@dataclass(frozen=True)
class Limit:
    """`most` attempts within `window` seconds. Past it, a backing-off limit waits 30 s after
    the last attempt, doubling with each further one (capped at the window); a fixed limit
    waits until the window that started with the first attempt is over."""

    kind: str  # what it counts ("address", "account", …): the caller's message depends on it
    key: str
    most: int
    window: int
    backoff: bool = True


def limit(kind: str, value: str, *, most: int, window: int, backoff: bool = True) -> Limit:
    key = hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()
    return Limit(kind, key, most, window, backoff)


def _expired(row: Throttle, limit_: Limit, now: datetime) -> bool:
    start = row.last_at if limit_.backoff else row.first_at
    return now - start > timedelta(seconds=limit_.window)


def _wait(row: Throttle | None, limit_: Limit, now: datetime) -> int:
    if row is None or row.count < limit_.most or _expired(row, limit_, now):
        return 0
    if limit_.backoff:
        wait = min(limit_.window, FIRST_WAIT * 2 ** min(row.count - limit_.most, 20))
        until = row.last_at + timedelta(seconds=wait)
    else:
        until = row.first_at + timedelta(seconds=limit_.window)
    return max(0, math.ceil((until - now).total_seconds()))


def seconds_to_wait(
    db: Session, limits: Iterable[Limit], now: datetime | None = None
) -> tuple[int, Limit | None]:
    """The longest wait these limits ask before another attempt (0: none), and the limit that
    asks it. One query by primary key."""
    limits = list(limits)
    if not limits:
        return 0, None
    now = now or utcnow()
    rows = {
        row.key: row
        for row in db.scalars(select(Throttle).where(Throttle.key.in_([x.key for x in limits])))
    }
    longest, which = 0, None
    for limit_ in limits:
        wait = _wait(rows.get(limit_.key), limit_, now)
        if wait > longest:
            longest, which = wait, limit_
    return longest, which


def count(db: Session, limits: Iterable[Limit], now: datetime | None = None) -> None:
    """One more attempt on each counter (a counter whose window is over starts again): one
    upsert per kind of window, so the three counters of a failed login are one statement."""
    now = now or utcnow()
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    groups: dict[tuple[bool, int], list[str]] = {}
    for limit_ in limits:
        groups.setdefault((limit_.backoff, limit_.window), []).append(limit_.key)
    for (backoff, window), keys in groups.items():
        start = Throttle.last_at if backoff else Throttle.first_at
        over = start < now - timedelta(seconds=window)
        rows = [{"key": key, "count": 1, "first_at": now, "last_at": now} for key in keys]
        statement = insert(Throttle).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[Throttle.key],
            set_={
                "count": case((over, 1), else_=Throttle.count + 1),
                "first_at": case((over, now), else_=Throttle.first_at),
                "last_at": now,
            },
        )
        db.execute(statement)


def clear(db: Session, limits: Iterable[Limit]) -> None:
    keys = [limit_.key for limit_ in limits]
    if keys:
        db.execute(delete(Throttle).where(Throttle.key.in_(keys)))


def forget_expired(
    db: Session, *, longest_window: int, most_rows: int, now: datetime | None = None
) -> int:
    """Drop the counters no limit looks at any more, then the oldest past `most_rows`;
    returns how many were dropped."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=longest_window)
    dropped = rowcount(db.execute(delete(Throttle).where(Throttle.last_at < cutoff))) or 0
    extra = (db.scalar(select(func.count()).select_from(Throttle)) or 0) - most_rows
    if extra > 0:
        oldest = select(Throttle.key).order_by(Throttle.last_at).limit(extra).scalar_subquery()
        dropped += rowcount(db.execute(delete(Throttle).where(Throttle.key.in_(oldest)))) or 0
    return dropped
