"""Group commit: a burst of ballots written by one writer per process, one transaction per
batch (docs/architecture.md, "The ballot path"; the measurements in bench/README.md).

A ballot's socket handler hands its parsed payload and login to `submit` and waits. The
writer's thread takes the ballots waiting for one poll, asks its `Writer` to write them in
one transaction, commits once, and only then hands each handler its acknowledgement. A batch
that failed for any other reason than a refusal, or whose commit failed, is written again one
ballot at a time, each in its own transaction.

A batch holds the ballots of one poll only: a ballot locks its poll and then the record's head,
so two processes' batches never wait on each other (two polls in one batch could).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from council.extensions import db
from council.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Ack = dict[str, Any]


@dataclass(eq=False)
class Waiting:
    """One submission waiting for its batch."""

    login: str | None  # as the session holds it; None for the public
    args: dict[str, Any]
    language: str | None = None  # of the refusal's message: the sender's, not the writer's
    done: threading.Event = field(default_factory=threading.Event)
    ack: Ack | None = None


class Writer(Protocol):
    """What GroupCommit writes with (realtime/ballot_writer.py for ballots)."""

    def write(self, work: Session, key: Any, batch: list[Waiting]) -> list[Ack]:
        """The batch written in `work`, the transaction GroupCommit commits after: each
        submission's acknowledgement, in order (a refusal's too: it changed nothing)."""
        ...

    def write_alone(self, waiting: Waiting) -> Ack:
        """One submission in its own transaction, acknowledged; never raises (the fallback
        when a batch failed)."""
        ...


class GroupCommit:
    """One writer thread per process, started with the first submission."""

    def __init__(self, app: Flask, start_task: Callable, writer: Writer, limit: int = 100) -> None:
        self.app = app
        self.start_task = start_task
        self.writer = writer
        self.limit = limit
        self._ready = threading.Condition()
        self._waiting: dict[Any, list[Waiting]] = {}
        self._started = False
        self.batches = 0  # committed batches, for tests and benches

    def submit(
        self, key: Any, login: str | None, args: dict, timeout: float, language: str | None = None
    ) -> Waiting:
        """Queue one submission for `key` (a poll) and wait for its acknowledgement (`ack`
        None: no answer in time; the ballot may still be stored, and sent again it counts
        once)."""
        waiting = Waiting(login, args, language)
        with self._ready:
            self._waiting.setdefault(key, []).append(waiting)
            if not self._started:
                self._started = True
                self.start_task(self._run)
            self._ready.notify()
        waiting.done.wait(timeout)
        return waiting

    def _next_batch(self) -> tuple[Any, list[Waiting]]:
        with self._ready:
            while not self._waiting:
                self._ready.wait()
            key = next(iter(self._waiting))
            queued = self._waiting.pop(key)
            if len(queued) > self.limit:
                self._waiting[key] = queued[self.limit :]
            return key, queued[: self.limit]

    def _run(self) -> None:
        while True:
            key, batch = self._next_batch()
            try:
                with self.app.app_context():
                    self.write(key, batch)
            except BaseException:  # the writer must outlive any batch
                log.exception("a batch of %d failed", len(batch))
            finally:
                for waiting in batch:
                    waiting.done.set()

    def write(self, key: Any, batch: list[Waiting]) -> None:
        """The batch in one transaction, then its acknowledgements; if that failed, each
        submission alone."""
        try:
            with unit_of_work() as work:
                acks = self.writer.write(work, key, batch)
        except Exception:
            log.exception("a batch of %d failed: each runs again alone", len(batch))
            db.session.rollback()
        else:
            self.batches += 1
            for waiting, ack in zip(batch, acks, strict=True):
                waiting.ack = ack
            return
        for waiting in batch:
            waiting.ack = self.writer.write_alone(waiting)
