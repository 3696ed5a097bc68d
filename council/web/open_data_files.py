"""The open data's files: CSV downloads of decisions and of named votes, and the Atom feed of
decisions (docs/open-data.md says what each holds and why).

CSV: RFC 4180 with commas, UTF-8 with a byte order mark (so that Excel reads the accents),
one header row of stable column names; a text cell starting with = + - @ or a tab or carriage
return is prefixed with an apostrophe, so that a spreadsheet never runs it as a formula.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, current_app, stream_with_context
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from council import markdown
from council.domain.archive.open_data import BallotRow
from council.models.poll import Decision
from council.models.record import RecordEvent
from council.web import open_data_shapes as shapes
from council.web.polls import outcome_sentence

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry, even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

DECISION_COLUMNS = [
    "number", "date", "outcome", "title", "proposal_id", "proposal_version", "meeting_id",
    "meeting_title", "item_number", "item_title", "poll_id", "poll_kind", "rule", "in_favour",
    "against", "abstain", "present", "represented", "members", "conflict", "needed", "url",
]  # fmt: skip
VOTE_COLUMNS = [
    "poll_id", "decision", "closed_at", "meeting_id", "item_title", "amendment_id", "question",
    "member_id", "member_name", "group", "choice", "by_proxy", "cast_by_id", "cast_by_name",
    "statement", "poll_url",
]  # fmt: skip


# --- CSV --------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _csv(filename: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    """Streamed: the votes of years of meetings need not be held in memory at once."""

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        yield BOM + buffer.getvalue()
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([safe_cell(value) for value in row])
            yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _decision_row(decision: Decision) -> list[Any]:
    poll = decision.poll
    return [
        decision.number, decision.decided_on.isoformat(),
        "approved" if poll.approved else "rejected", shapes.decision_title(decision),
        decision.proposal_id, decision.proposal.current_version if decision.proposal else None,
        poll.meeting_id, poll.meeting.title, poll.item.position + 1, poll.item.title, poll.id,
        str(poll.kind), str(poll.rule), poll.yes, poll.no, poll.abstain, poll.present,
        poll.represented, poll.members, poll.conflict, poll.needed,
        shapes.absolute("decisions.view", year=decision.year, seq=decision.seq),
    ]  # fmt: skip


def decisions_csv(decisions: list[Decision]) -> Response:
    """One row per decision, oldest first, with the counts of the vote that made it."""
    return _csv("deliberazioni.csv", DECISION_COLUMNS, map(_decision_row, decisions))


def _vote_row(row: BallotRow) -> list[Any]:
    return [
        row.poll_id, row.decision, shapes.at(row.closed_at), row.meeting_id, row.item_title,
        row.amendment_id, row.question, row.member_id, row.member_name,
        str(row.group) if row.group else None, str(row.choice), row.by_proxy,
        row.voter_id if row.by_proxy else None, row.voter_name if row.by_proxy else None,
        row.statement or None, shapes.absolute("polls.view", poll_id=row.poll_id),
    ]  # fmt: skip


def votes_csv(ballots: Iterable[BallotRow]) -> Response:
    """One row per ballot of a closed NAMED poll. A secret poll has no row: no ballot of it
    exists; its totals are in decisions.csv and the vote events."""
    return _csv("voti-palesi.csv", VOTE_COLUMNS, map(_vote_row, ballots))


# --- Atom -------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    return NOT_XML.sub("", value)


def _add(parent: ET.Element, tag: str, content: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
    if content is not None:
        element.text = _clean(content)
    return element


def _summary(decision: Decision) -> str:
    poll = decision.poll
    meeting = _("Meeting: %(title)s, %(date)s.", title=poll.meeting.title,
                date=format_date(decision.decided_on, "long"))  # fmt: skip
    return f"{outcome_sentence(poll)} {meeting}"


def decisions_atom(decisions: list[Decision], head: RecordEvent | None) -> Response:
    """Atom 1.0 (RFC 4287): the latest decisions, newest first. A decision never changes once
    recorded, so an entry's `updated` is when it was recorded; the feed's is the newest one's
    (or the record's head, while there is no decision)."""
    ET.register_namespace("", ATOM)
    council = current_app.config["COUNCIL_NAME"]
    feed_url = shapes.absolute("feeds.decisions_atom")
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: str(get_locale())})
    _add(feed, "title", _("Decisions — %(council)s", council=council))
    _add(feed, "subtitle", _("The decisions of the council, newest first."))
    _add(feed, "id", feed_url)
    newest = decisions[0].recorded_at if decisions else None
    _add(feed, "updated", shapes.at(newest) or (head.at if head else "1970-01-01T00:00:00.000Z"))
    _add(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _add(feed, "link", rel="alternate", type="text/html", href=shapes.absolute("decisions.index"))
    author = _add(feed, "author")
    _add(author, "name", council)
    for decision in decisions:
        url = shapes.absolute("decisions.view", year=decision.year, seq=decision.seq)
        entry = _add(feed, "entry")
        title = _("Decision %(number)s — %(title)s", number=decision.number,
                  title=shapes.decision_title(decision))  # fmt: skip
        _add(entry, "title", title)
        _add(entry, "id", url)
        _add(entry, "published", shapes.at(decision.recorded_at))
        _add(entry, "updated", shapes.at(decision.recorded_at))
        _add(entry, "link", rel="alternate", type="text/html", href=url)
        _add(entry, "summary", _summary(decision), type="text")
        _add(entry, "content", str(markdown.render(decision.text)), type="html")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")
