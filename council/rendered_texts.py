"""Every markdown text is rendered when it is written, in the writing transaction: a flush
that adds or changes one of the fields below stores its rendering (council.markdown), so that
reading never converts it again, and refuses a text over the work budget (ValidationError,
before anything is stored; the forms check first, with the same message at the field).

Fields and what is kept of them: the whole text, and for a proposal's version each paragraph
too (the proposal page shows them one by one, with their comments); the minutes' body without
its title line too (the PDF prints that part). The minutes have four times the budget: a long
session's minutes are long, only the secretary writes them, and they are rendered once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from sqlalchemy import Table, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from council import markdown
from council.db import Base
from council.markdown_guard import BUDGET, TooComplex
from council.models.archive import ImplementationUpdate
from council.models.base import utcnow
from council.models.comment import Comment, CommentRevision
from council.models.consultation import Consultation
from council.models.meeting import AgendaItem, Meeting
from council.models.minutes import Minutes
from council.models.poll import Decision
from council.models.proposal import Amendment, ProposalVersion
from council.models.rendered_text import RenderedText

MINUTES_BUDGET = 4 * BUDGET


def minutes_title(body: str) -> tuple[str | None, str]:
    """A first "# " line as the document's title (the PDF sets it apart), and the rest."""
    first, _newline, rest = body.partition("\n")
    if first.startswith("# "):
        return first[2:], rest
    return None, body


def _paragraphs(text: str) -> list[str]:
    return markdown.paragraphs(text)


def _minutes_rest(text: str) -> list[str]:
    return [minutes_title(text)[1]]


# model: {field: (budget, derived texts kept with it)}
FIELDS: dict[type[Base], dict[str, tuple[int, Callable[[str], list[str]] | None]]] = {
    ProposalVersion: {"body": (BUDGET, _paragraphs)},
    Amendment: {"body": (BUDGET, None), "reason": (BUDGET, None)},
    Comment: {"body": (BUDGET, None)},
    CommentRevision: {"body": (BUDGET, None)},
    Decision: {"text": (BUDGET, None)},
    ImplementationUpdate: {"text": (BUDGET, None)},
    Meeting: {"description": (BUDGET, None)},
    AgendaItem: {"description": (BUDGET, None)},
    Consultation: {"description": (BUDGET, None)},
    Minutes: {"body": (MINUTES_BUDGET, _minutes_rest)},
}


def _texts_of(
    model: type, values: dict[str, str | None], refuse: bool = True
) -> Iterator[tuple[str, int, str | None]]:
    """(text, budget, field to refuse it on, or None: a derived text, or one already stored
    that is shown as typed if over the budget) of a row's fields."""
    for name, text in values.items():
        budget, derived = FIELDS[model][name]
        yield text or "", budget, name if refuse else None
        for part in derived(text or "") if derived else ():
            yield part, budget, None


def _changed(obj: Any) -> dict[str, str | None]:
    state = inspect(obj)
    return {
        name: getattr(obj, name)
        for name in FIELDS[type(obj)]
        if state.pending or state.attrs[name].history.has_changes()
    }


def rendering_within(text: str, budget: int, field: str | None) -> markdown.Rendering:
    """The text's rendering; over the budget: ValidationError on `field`, or for a derived
    text (a paragraph, the minutes without title) its escaped paragraphs."""
    key = markdown.digest(text)
    found = markdown.kept.get(key)
    if found is not None and (field is None or (found.units or budget + 1) <= budget):
        return found
    try:
        found = markdown.convert(text, budget)
    except TooComplex:
        if field is not None:
            raise markdown.refusal(field) from None
        found = markdown.as_paragraphs(text)
    markdown.kept.put(key, found)
    return found


def keep(connection: Connection, texts: Iterable[tuple[str, int, str | None]]) -> int:
    """Store the renderings of texts not stored yet; the number stored. A text stored by a
    concurrent transaction meanwhile is left as it is (the same source renders the same)."""
    wanted = {markdown.digest(text): (text, budget, field) for text, budget, field in texts}
    if not wanted:
        return 0
    table = cast(Table, RenderedText.__table__)
    present = set(
        connection.scalars(
            select(table.c.digest).where(
                table.c.digest.in_(list(wanted)), table.c.renderer == markdown.RENDERER
            )
        )
    )
    rows = []
    for key, (text, budget, field) in wanted.items():
        if key in present:
            continue
        found = rendering_within(text, budget, field)
        rows.append(
            {"digest": key, "renderer": markdown.RENDERER, "html": found.html,
             "plain": found.plain, "units": found.units, "created_at": utcnow()}
        )  # fmt: skip
    if rows:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(table)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.digest],
                set_={
                    "renderer": statement.excluded.renderer,
                    "html": statement.excluded.html,
                    "plain": statement.excluded.plain,
                    "units": statement.excluded.units,
                },
                where=table.c.renderer != statement.excluded.renderer,
            ),
            rows,
        )
    return len(rows)


def listen() -> None:
    """Render the fields' texts at every flush that writes them (create_app calls it)."""
    if not event.contains(Session, "before_flush", _render_written_texts):
        event.listen(Session, "before_flush", _render_written_texts)


def _render_written_texts(session: Session, _context: Any, _instances: Any) -> None:
    texts = [
        text
        for obj in [*session.new, *session.dirty]
        if type(obj) in FIELDS
        for text in _texts_of(type(obj), _changed(obj))
    ]
    if texts:
        keep(session.connection(), texts)


def render_all(connection: Connection, batch: int = 500) -> int:
    """Render and store every field's text not stored by the current renderer (after an
    upgrade, or a change of RENDERER); the number stored. Migration 0010 and `flask --app app
    texts render` call it."""
    stored = 0
    for model, fields in FIELDS.items():
        table = model.__table__
        columns = [table.c[name] for name in fields]
        last = None
        while True:
            query = select(table.c.id, *columns).order_by(table.c.id).limit(batch)
            if last is not None:
                query = query.where(table.c.id > last)
            rows = connection.execute(query).all()
            if not rows:
                break
            last = rows[-1].id
            stored += keep(
                connection,
                (
                    text
                    for row in rows
                    for text in _texts_of(model, dict(zip(fields, row[1:], strict=True)), False)
                ),
            )
    return stored
