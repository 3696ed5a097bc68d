"""The writer of a burst's ballots (group_commit.Writer): a batch of one poll's ballots in one
transaction, the poll locked once (docs/architecture.md, "The ballot path")."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.accounts import accounts
from council.domain.meetings import live_session
from council.domain.voting import ballots, poll_queries
from council.errors import DomainError, NotFound
from council.extensions import db
from council.i18n import speaking
from council.unit_of_work import unit_of_work
from realtime.group_commit import Ack, Waiting
from realtime.guard import error, unexpected

log = logging.getLogger(__name__)


def refused(refusal: DomainError) -> Ack:
    return error(refusal.code, refusal.message)


def ballot_answer(result: ballots.BallotResult) -> dict[str, Any]:
    """What an acknowledgement says of a ballot (a cast one, or one declared aloud)."""
    return {"ballot": {"poll": result.poll_id, "cast_for": result.cast_for,
                       "choice": result.choice, "repeated": result.repeated,
                       "changed": result.changed}}  # fmt: skip


class BallotWriter:
    """Writes the ballots of one poll: the poll locked once (its meeting shared first, as every
    live operation locks them), the people of the batch loaded together, the ballots cast
    together (ballots.cast_ballots), each acknowledged with its own version."""

    def write(self, work: Session, poll_id: Any, batch: list[Waiting]) -> list[Ack]:
        try:
            poll = poll_queries.lock_for_ballots(work, poll_id)
        except NotFound:
            poll = None  # each ballot's own refusal, once its sender may vote at all
        people = accounts.logged_in(work, {waiting.login for waiting in batch})
        acks: dict[int, Ack] = {}  # by place in the batch
        requests, placed = [], []
        for n, waiting in enumerate(batch):
            actor, args = people.get(waiting.login), waiting.args
            with speaking(waiting.language):
                try:
                    permissions.require(actor, "ballot.cast")  # not_allowed before not_found
                    if poll is None or poll.meeting_id != args["meeting"]:
                        raise NotFound(_("This poll does not exist."))
                except DomainError as refusal:
                    acks[n] = refused(refusal)
                    continue
            requests.append(ballots.BallotRequest(
                actor, args["choice"], args["client_ballot_id"], args.get("for_member"),
                args.get("reason"), waiting.language,
            ))  # fmt: skip
            placed.append(n)
        if poll is None or not placed:  # every ballot refused (none placed without a poll)
            return [acks[n] for n in range(len(batch))]
        outcomes = ballots.cast_ballots(work, poll, requests)
        # each ballot's own version: of two changes of one vote, the later is higher
        last = live_session.version(work, poll.meeting_id) or 0
        steps = max((o.step or 0 for o in outcomes if isinstance(o, ballots.BallotResult)),
                    default=0)  # fmt: skip
        for n, outcome in zip(placed, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                acks[n] = refused(outcome)
            else:
                version = last - steps + outcome.step if outcome.step else last
                acks[n] = {"ok": True, "state_version": version, **ballot_answer(outcome)}
        return [acks[n] for n in range(len(batch))]

    def write_alone(self, waiting: Waiting) -> Ack:
        with speaking(waiting.language):  # its refusals in its sender's language
            try:
                with unit_of_work() as work:
                    (ack,) = self.write(work, waiting.args["poll"], [waiting])
                return ack
            except Exception:
                log.exception("socket event ballot.cast failed")
                db.session.rollback()
                return unexpected()
