"""Group commit of a burst of ballots (bench/README.md, live_poll.py).

Sixty members voting at once were sixty write transactions queueing for one lock (SQLite's
write lock, PostgreSQL's poll row and record head): each waited, then paid its own BEGIN and
COMMIT. Here a ballot's socket handler parses the payload and takes the login its session
holds, then hands the ballot to this process's writer and waits. The writer begins one
transaction for the ballots waiting for one poll: it locks the poll once and loads their
people in one query (the login rules of accounts.logged_in, now inside the transaction), then
runs the ballots, each in its own savepoint (a refused ballot rolls back alone and gets its
reason), commits once, and then answers them all: an acknowledgement still follows the
commit that stored its ballot. A ballot that failed for any other reason than a refusal, or a
whole batch whose commit failed, is run again alone in its own transaction, as every other
action is.

A batch holds the ballots of one poll only: a ballot locks its poll and then the record's head,
so two processes' batches never wait on each other (two polls in one batch could).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_babel import force_locale

from council.errors import DomainError
from council.extensions import db
from council.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Operation = Callable[[Any, Any, dict], Any]  # (session, actor, args) -> result or None
# (session, key, logins) -> {login: the person it names}, after locking what the batch shares
Begin = Callable[[Any, Any, set], dict]
Ack = dict[str, Any]


@dataclass(eq=False)
class Waiting:
    login: str | None  # as the session holds it; None for the public
    args: dict[str, Any]
    operation: Operation
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    ack: Ack | None = None
    who: str | None = None  # the public id of the person the login named, for the log
    language: str | None = None  # of the refusal's message: the sender's, not the writer's


class GroupCommit:
    """One writer per process, started with the first ballot.

    `begin(session, key, logins)` locks what the batch shares and loads who its logins name
    (outside the ballots' savepoints, so that each finds it locked), `answer(meeting_id, result)`
    makes the acknowledgement of a stored ballot (after the commit), `refused(error)` that of a
    refusal, `alone(login, args, operation)` runs one ballot in its own unit of work and
    acknowledges it (the fallback).
    """

    def __init__(
        self, app: Flask, start_task: Callable, *, begin: Begin,
        answer: Callable[[int, Any], Ack], refused: Callable[[DomainError], Ack],
        alone: Callable[[str | None, dict, Operation], Ack], limit: int = 100,
    ) -> None:  # fmt: skip
        self.app = app
        self.start_task = start_task
        self.begin = begin
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
        again: list[Waiting] = []
        try:
            with unit_of_work() as work:
                people = self.begin(work, key, {waiting.login for waiting in batch})
                for waiting in batch:
                    with _speaking(waiting):
                        self._one(work, people.get(waiting.login), waiting, again)
            self.batches += 1
        except Exception:
            log.exception("the commit of %d ballots failed: each runs again alone", len(batch))
            db.session.rollback()
            again = batch
        else:
            versions: dict[int, Ack] = {}
            for waiting in batch:
                if waiting.ack is None and waiting not in again:
                    meeting = waiting.args["meeting"]
                    if meeting not in versions:
                        versions[meeting] = self.answer(meeting, None)
                    waiting.ack = {**versions[meeting], **(waiting.result or {})}
        for waiting in again:
            with _speaking(waiting):
                waiting.ack = self.alone(waiting.login, waiting.args, waiting.operation)

    def _one(self, work: Any, actor: Any, waiting: Waiting, again: list[Waiting]) -> None:
        pending = work.info["pending_events"]
        queued = len(pending)
        waiting.who = getattr(actor, "public_id", None)
        try:
            with work.begin_nested():
                waiting.result = waiting.operation(work, actor, waiting.args)
        except DomainError as refusal:
            del pending[queued:]
            waiting.ack = self.refused(refusal)
        except Exception:
            log.exception("a ballot failed in its batch: it runs again alone")
            del pending[queued:]
            again.append(waiting)


def _speaking(waiting: Waiting):
    """The ballot's refusals in its sender's language."""
    return force_locale(waiting.language) if waiting.language else contextlib.nullcontext()
