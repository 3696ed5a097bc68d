"""The time the domain reads: the system's clock, or a story's time while the demo writes its
history (council/demo/__init__.py). Everything that stamps a row or a record event asks `now()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# The council's local time: what pages show, what forms mean, the day a decision is dated.
# The database and the record keep UTC.
ROME = ZoneInfo("Europe/Rome")

# Set only by `story()`, in the thread (context) that tells the story: a server's requests
# and sockets never see it.
_story: ContextVar[datetime | None] = ContextVar("story_time", default=None)


def now() -> datetime:
    """The current time in UTC: the story's while one is told, else the system's."""
    moment = _story.get()
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def story(moment: datetime) -> Iterator[None]:
    """Within the block, `now()` is `moment` (aware): the demo writes its rows and record
    events at the time of the story it tells. The record's chain is computed as always."""
    if moment.tzinfo is None:
        raise ValueError("a story's time must be aware")
    token = _story.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _story.reset(token)


def set_story(moment: datetime | None) -> None:
    """Move the story's time on (or end it with None), for a long story told step by step."""
    _story.set(None if moment is None else moment.astimezone(UTC))
