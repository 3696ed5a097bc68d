"""The public record: chain, verification, tampering, concurrency, privacy."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from sqlalchemy import select, text

from council.domain.record import record
from council.extensions import db
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work


def _append(n: int, kind: str = "test.event") -> None:
    for i in range(n):
        with unit_of_work() as session:
            record.append(session, kind=kind, actor=None, subject=f"test:{i}", data={"i": i})


def test_chain_links_each_event_to_the_one_before(app):
    _append(5)
    events = db.session.scalars(select(RecordEvent).order_by(RecordEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev == before.hash
    result = record.verify(db.session)
    assert result.ok and result.checked == 5 and result.head_hash == events[-1].hash


def test_hash_follows_the_published_algorithm(app):
    """Recompute one event exactly as docs/record.md tells an outside verifier to."""
    import hashlib

    _append(2)
    published = record.as_public(record.head(db.session))
    body = {k: published[k] for k in ("seq", "at", "kind", "actor", "subject", "data")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(published["prev"].encode() + canonical.encode()).hexdigest()
    assert published["hash"] == expected
    assert published["at"].endswith("Z") and len(published["at"]) == 24


@pytest.mark.parametrize(
    ("column", "value"),
    [("data", '{"i":99}'), ("kind", "test.forged"), ("at", "2020-01-01T00:00:00.000Z")],
)
def test_verify_names_the_first_tampered_event(app, column, value):
    _append(8)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE record_events SET {column} = :v WHERE seq = 5"), {"v": value})
    db.session.expire_all()
    result = record.verify(db.session)
    assert not result.ok
    assert result.broken_seq == 5
    assert result.head_seq == 4


def test_verify_detects_a_deleted_event(app):
    _append(6)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM record_events WHERE seq = 3"))
    result = record.verify(db.session)
    assert not result.ok and result.broken_seq == 3 and "gap" in result.reason


def test_anchor_must_be_part_of_the_chain(app):
    _append(4)
    third = db.session.get(RecordEvent, 3)
    assert record.verify(db.session, anchor=(3, third.hash)).ok
    assert not record.verify(db.session, anchor=(3, "f" * 64)).ok
    assert not record.verify(db.session, anchor=(9, third.hash)).ok


def test_a_rolled_back_operation_leaves_no_event(app):
    _append(1)
    with pytest.raises(RuntimeError), unit_of_work() as session:
        record.append(session, kind="test.event", actor=None, subject="test:x", data={})
        raise RuntimeError("the operation failed after appending")
    assert record.head(db.session).seq == 1


def test_floats_are_refused_in_event_data(app):
    with pytest.raises(TypeError), unit_of_work() as session:
        record.append(session, kind="test.event", actor=None, subject="t:1", data={"x": 0.1})
    assert record.head(db.session) is None


def test_concurrent_writers_never_fork_or_leave_gaps(app):
    """Real threads, each with its own connection, append at the same time."""
    writers, per_writer = 8, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def writer(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                for i in range(per_writer):
                    with unit_of_work() as session:
                        record.append(
                            session, kind="test.concurrent", actor=None,
                            subject=f"writer:{n}", data={"i": i},
                        )  # fmt: skip
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = db.session.scalars(select(RecordEvent.seq).order_by(RecordEvent.seq)).all()
    assert seqs == list(range(1, writers * per_writer + 1))
    assert record.verify(db.session).ok
