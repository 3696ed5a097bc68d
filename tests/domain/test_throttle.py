"""The attempt counters (council/domain/accounts/throttle.py): one row per thing counted, a wait
that backs off or waits for the window's end, and a table that stays bounded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from council.domain.accounts import throttle
from council.extensions import db
from council.models.base import utcnow
from council.models.user import Throttle
from council.unit_of_work import unit_of_work


def rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Throttle))


def wait(limit, now) -> int:
    return throttle.seconds_to_wait(db.session, [limit], now)[0]


def test_a_backing_off_limit_waits_30_s_then_doubles_up_to_its_window(app):
    limit = throttle.limit("address", "203.0.113.9", most=3, window=900)
    start = utcnow()
    for _ in range(3):
        assert wait(limit, start) == 0
        with unit_of_work() as session:
            throttle.count(session, [limit], start)
    assert wait(limit, start) == 30
    assert wait(limit, start + timedelta(seconds=30)) == 0
    waits = []
    for n in range(6):
        at = start + timedelta(seconds=n)
        with unit_of_work() as session:
            throttle.count(session, [limit], at)
        waits.append(wait(limit, at))
    assert waits == [60, 120, 240, 480, 900, 900]
    later = start + timedelta(seconds=5 + 901)  # a window without attempts: forgotten
    assert wait(limit, later) == 0
    with unit_of_work() as session:
        throttle.count(session, [limit], later)
    assert wait(limit, later) == 0 and rows() == 1


def test_a_fixed_limit_waits_for_the_end_of_its_window(app):
    limit = throttle.limit("registration", "203.0.113.9", most=2, window=3600, backoff=False)
    start = utcnow()
    for n in range(2):
        with unit_of_work() as session:
            throttle.count(session, [limit], start + timedelta(minutes=n))
    assert wait(limit, start + timedelta(minutes=10)) == 3000
    assert wait(limit, start + timedelta(seconds=3601)) == 0


def test_counters_past_their_window_and_past_the_most_rows_are_forgotten(app):
    start = utcnow()
    with unit_of_work() as session:
        for n in range(30):
            limit = throttle.limit("account", f"persona{n}@example.org", most=5, window=900)
            throttle.count(session, [limit], start + timedelta(seconds=n * 100))
    assert rows() == 30
    now = start + timedelta(seconds=2900)
    with unit_of_work() as session:  # 900 s: the first 20 are older than the window
        assert throttle.forget_expired(session, longest_window=900, most_rows=100, now=now) == 20
    with unit_of_work() as session:  # at most 4 rows: the 6 oldest of those left go
        assert throttle.forget_expired(session, longest_window=900, most_rows=4, now=now) == 6
    assert rows() == 4
    kept = throttle.limit("account", "persona29@example.org", most=1, window=900)
    assert wait(kept, now) > 0  # the most recent are those kept


def test_keys_hold_no_email_or_address(app):
    with unit_of_work() as session:
        throttle.count(session, [throttle.limit("address", "203.0.113.9", most=1, window=60)])
    (key,) = db.session.scalars(select(Throttle.key))
    assert "203" not in key and len(key) == 64
