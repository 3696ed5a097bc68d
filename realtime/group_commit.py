"""Group commit of a burst of ballots (bench/README.md, live_poll.py).

Sixty members voting at once were sixty write transactions queueing for one lock (SQLite's
write lock, PostgreSQL's poll row and record head): each waited, then paid its own BEGIN and
COMMIT. Here a ballot's socket handler parses the payload and takes the login its socket
connected with, then hands the ballot to this process's writer and waits. The writer begins
one transaction for the ballots waiting for one poll and runs them together (`run`: for
ballots, council.domain.ballots.cast_ballots, which reads what their rules ask in a few
queries and writes the accepted ones in one flush), commits once, and then answers them all:
an acknowledgement still follows the commit that stored its ballot, a refused ballot changed
nothing and gets its reason. A batch that failed for any other reason, or whose commit
failed, runs again one ballot at a time, each in its own transaction, as every other action
is.

A batch holds the ballots of one poll only: a ballot locks its poll and then the record's head,
so two processes' batches never wait on each other (two polls in one batch could).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from council.errors import DomainError
from council.extensions import db
from council.i18n import speaking
from council.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Operation = Callable[[Any, Any, dict], Any]  # (session, actor, args) -> result or None
# (session, key, batch) -> for each waiting ballot in order, its result or its refusal
Run = Callable[[Any, Any, list["Waiting"]], list[Any]]
Ack = dict[str, Any]


@dataclass(eq=False)
class Waiting:
    login: str | None  # as the session holds it; None for the public
    args: dict[str, Any]
    operation: Operation
    done: threading.Event = field(default_factory=threading.Event)
    ack: Ack | None = None
    language: str | None = None  # of the refusal's message: the sender's, not the writer's


class GroupCommit:
    """One writer per process, started with the first ballot.

    `run(session, key, batch)` runs a batch's ballots in the writer's transaction (a result
    may carry its own acknowledgement, "state_version" included), `answer(meeting_id,
    result)` makes the acknowledgement of a stored ballot (after the commit), `refused(error)`
    that of a refusal, `alone(login, args, operation)` runs one ballot in its own unit of work
    and acknowledges it (the fallback).
    """

    def __init__(
        self, app: Flask, start_task: Callable, *, run: Run,
        answer: Callable[[int, Any], Ack], refused: Callable[[DomainError], Ack],
        alone: Callable[[str | None, dict, Operation], Ack], limit: int = 100,
    ) -> None:  # fmt: skip
        self.app = app
        self.start_task = start_task
        self.run = run
        self.answer = answer
        self.refused = refused
        self.alone = alone
        self.limit = limit
        self._ready = threading.Condition()
        self._waiting: dict[Any, list[Waiting]] = {}
        self._started = False
        self.batches = 0  # committed batches, for tests and benches

    def submit(
        self, key: Any, login: str | None, args: dict, operation: Operation, timeout: float,
        language: str | None = None,
    ) -> Waiting:  # fmt: skip
        """Queue one ballot of the poll `key` and wait for its acknowledgement (`ack` None: no
        answer in time; the ballot may still be stored, and sent again it counts once)."""
        waiting = Waiting(login, args, operation, language=language)
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
                    self._write(key, batch)
            except BaseException:  # the writer must outlive any batch
                log.exception("a batch of %d ballots failed", len(batch))
            finally:
                for waiting in batch:
                    waiting.done.set()

    def _write(self, key: Any, batch: list[Waiting]) -> None:
        try:
            with unit_of_work() as work:
                outcomes = self.run(work, key, batch)
            self.batches += 1
        except Exception:
            log.exception("a batch of %d ballots failed: each runs again alone", len(batch))
            db.session.rollback()
        else:
            versions: dict[int, Ack] = {}
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, DomainError):
                    waiting.ack = self.refused(outcome)
                    continue
                if isinstance(outcome, dict) and "state_version" in outcome:
                    waiting.ack = outcome  # its own version, read in the batch's transaction
                    continue
                meeting = waiting.args["meeting"]
                if meeting not in versions:
                    versions[meeting] = self.answer(meeting, None)
                waiting.ack = {**versions[meeting], **(outcome or {})}
            return
        for waiting in batch:
            with speaking(waiting.language):  # its refusals in its sender's language
                waiting.ack = self.alone(waiting.login, waiting.args, waiting.operation)
