"""The archive of decisions: full-text search with filters, returning a page of decisions.

One function, `search(db, actor, ArchiveFilters)`, serves the public pages and can serve the
open-data API. Words are searched in each decision's document (decision_documents, written
once by `index_decision` when the decision is recorded): SQLite through the FTS5 table
`decision_search` (accents and case folded), PostgreSQL through the generated tsvector column
(the 'simple' configuration over the same folded words). Both answer a query alike: the same
parsed terms, each word of five letters or more searched by its stem-like prefix (`anziano`
finds `anziani`), the last word as a prefix. Whatever a person types becomes a safe query:
words, "phrases", `-` to exclude, `or` between alternatives (docs/archive.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    column,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session, selectinload

from council.domain import permissions
from council.domain.proposals.proposal_queries import concerning_point
from council.models.archive import DecisionDocument, Implementation, ImplementationState
from council.models.meeting import PUBLIC_STATES, AgendaItem, Meeting
from council.models.poll import Decision, Poll
from council.models.proposal import Proposal, ProposalVersion, proposal_zones

PAGE_SIZE = 20
MAX_QUERY = 200  # characters of the query that are read
MAX_TERMS = 8
OUTCOMES = ("approved", "rejected")
SORTS = ("relevance", "newest", "updated")
# Past this many matches the relevance of every one is not computed (both databases would
# score them all to find the first page): newest first, and the page says so.
RANKED_AT_MOST = 1000
# Keep in step with migrations/versions/0018_phones.py (the PostgreSQL document's folding).
ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿñçÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝÑÇ"
UNACCENTED = "aaaaaaeeeeiiiiooooouuuuyyncAAAAAAEEEEIIIIOOOOOUUUUYNC"
# bm25 weights of the FTS5 columns title, text, body: titles count most.
WEIGHTS = (10.0, 4.0, 1.0)
# Words that say nothing on their own, left out of the queries (unless in a phrase).
_STOPWORDS = (
    "a ad al alla alle allo agli ai col con da dal dalla dalle dai dagli de del della delle "
    "dello degli dei di e ed gli i il in l la le lo nel nella nelle nello negli nei o per su "
    "sul sulla sulle sugli sui tra fra un una uno che non"
)
STOPWORDS = frozenset(_STOPWORDS.split())
VOWELS = frozenset("aeiouàèéìíòóù")


# --- the query --------------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what both databases' tokenizers keep
_FOLD = str.maketrans(ACCENTED, UNACCENTED)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    phrase: bool = False  # typed in quotes: the words in this order, as written


@dataclass
class Query:
    """A parsed query: every group must match (one of its terms), no excluded term may."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    typed: bool = False  # something was typed (if nothing searchable is left: no result)

    @property
    def empty(self) -> bool:
        return not self.groups


def clean(text: Any) -> str:
    """The query as read: a string, control characters (NUL included) as spaces, at most
    MAX_QUERY characters."""
    if not isinstance(text, str):
        return ""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)
    return " ".join(text[:MAX_QUERY].split())


def parse(text: Any) -> Query:
    """Words, "phrases", -excluded and `or` between two terms; anything else is a separator."""
    query = Query(typed=bool(clean(text)))
    joining = False
    count = 0
    for match in _TOKEN.finditer(clean(text)):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            joining = bool(query.groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(w.lower() for w in _WORD.findall(quoted if quoted is not None else bare))
        if not words or count >= MAX_TERMS:
            joining = False
            continue
        count += 1
        term = Term(words, phrase=quoted is not None or len(words) > 1)
        if negated:
            query.excluded.append(term)
        elif joining:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        joining = False
    return query


def _stem_prefix(word: str) -> str:
    """A light Italian stemming for SQLite, as a prefix: servizio/servizi -> serviz,
    politica/politiche -> politic. Short words stay whole."""
    if len(word) < 5 or word[-1] not in VOWELS:
        return ""
    stem = word[:-1]
    if stem.endswith(("ch", "gh")):
        stem = stem[:-1]
    return stem


def _fts_term(term: Term, last: bool) -> str:
    if term.phrase:
        return '"' + " ".join(term.words) + '"'
    word = term.words[0]
    stem = _stem_prefix(word)
    if stem:
        return f'"{stem}"*'
    return f'"{word}"*' if last else f'"{word}"'


def fts5_query(query: Query) -> str | None:
    """The FTS5 MATCH expression; None when no searchable term is left (stopwords only).
    Every term is a quoted string, so no input can be read as FTS5 syntax."""
    groups = []
    for i, group in enumerate(query.groups):
        last = i == len(query.groups) - 1
        terms = [t for t in group if t.phrase or t.words[0] not in STOPWORDS]
        if terms:
            rendered = [_fts_term(t, last and j == len(terms) - 1) for j, t in enumerate(terms)]
            groups.append(rendered[0] if len(rendered) == 1 else f"({' OR '.join(rendered)})")
    if not groups:
        return None
    expression = " AND ".join(groups)
    excluded = [_fts_term(t, False) for t in query.excluded]
    if excluded:
        expression = f"({expression}) NOT ({' OR '.join(excluded)})"
    return expression


def _lexeme(word: str) -> str:
    # a word is letters and digits only (_WORD), so quoting it cannot break the syntax
    return "'" + word.lower().translate(_FOLD) + "'"


def _ts_term(term: Term, last: bool) -> str:
    if term.phrase:
        return "(" + " <-> ".join(_lexeme(w) for w in term.words) + ")"
    word = term.words[0]
    stem = _stem_prefix(word)
    if stem:
        return _lexeme(stem) + ":*"
    return _lexeme(word) + ":*" if last else _lexeme(word)


def tsquery_text(query: Query) -> str | None:
    """The same query as fts5_query, term by term, in to_tsquery's syntax (PostgreSQL, the
    'simple' configuration); None when no searchable term is left."""
    groups = []
    for i, group in enumerate(query.groups):
        last = i == len(query.groups) - 1
        terms = [t for t in group if t.phrase or t.words[0] not in STOPWORDS]
        if terms:
            rendered = [_ts_term(t, last and j == len(terms) - 1) for j, t in enumerate(terms)]
            groups.append(f"({' | '.join(rendered)})")
    if not groups:
        return None
    expression = " & ".join(groups)
    excluded = [_ts_term(t, False) for t in query.excluded]
    if excluded:
        expression = f"({expression}) & !({' | '.join(excluded)})"
    return expression


# --- the document -----------------------------------------------------------------------------


def _document_of(decision_ids: Select | list[int]) -> Select:
    """The search document of decisions, as stored: the same composition as the migration's
    FILL (migrations/versions/0009_archive.py)."""
    return (
        select(
            Decision.id,
            func.coalesce(Proposal.title, AgendaItem.title),
            Decision.text + literal(" ") + Poll.question,
            func.coalesce(ProposalVersion.body, "") + literal(" ") + Meeting.title,
        )
        .join(Poll, Poll.id == Decision.poll_id)
        .join(AgendaItem, AgendaItem.id == Poll.item_id)
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .outerjoin(Proposal, Proposal.id == Decision.proposal_id)
        .outerjoin(
            ProposalVersion,
            and_(
                ProposalVersion.proposal_id == Proposal.id,
                ProposalVersion.number == Proposal.current_version,
            ),
        )
        .where(Decision.id.in_(decision_ids))
    )


def index_decision(db: Session, decision: Decision) -> None:
    """Write the decision's search document, in the caller's transaction (the database's own
    index follows: SQLite's triggers, PostgreSQL's generated column)."""
    db.flush()
    db.execute(
        insert(DecisionDocument).from_select(
            ["decision_id", "title", "text", "body"], _document_of([decision.id])
        )
    )


def reindex(db: Session) -> int:
    """Rebuild every decision's document (after a bulk load); returns how many."""
    db.execute(cast(Table, DecisionDocument.__table__).delete())
    db.execute(
        insert(DecisionDocument).from_select(
            ["decision_id", "title", "text", "body"], _document_of(select(Decision.id))
        )
    )
    return db.scalar(select(func.count()).select_from(DecisionDocument)) or 0


# --- the search -------------------------------------------------------------------------------


@dataclass
class ArchiveFilters:
    words: str = ""
    year: int | None = None
    zone_id: int | None = None
    topic_id: int | None = None
    organisation_id: int | None = None  # the proposing organisation
    community_point_id: int | None = None  # its proposal filed or co-signed by its organisations
    outcome: str | None = None  # "approved" | "rejected"
    meeting_id: int | None = None
    status: ImplementationState | None = None  # of approved decisions
    sort: str | None = None  # None: by relevance when searching words, else newest first
    page: int = 1
    per_page: int = PAGE_SIZE


@dataclass
class ArchivePage:
    rows: list[Decision] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    implementations: dict[int, Implementation] = field(default_factory=dict)
    unranked: bool = False  # too many matches to order by relevance: newest first instead


_fts = table("decision_search", column("rowid"))


def _matches(db: Session, query: Query) -> tuple[Any, ColumnElement] | None:
    """(a selectable of decision ids, their relevance, higher is better), or None when the
    query has nothing searchable on this database."""
    if db.get_bind().dialect.name == "postgresql":
        expression = tsquery_text(query)
        if expression is None:
            return None
        tsquery = func.to_tsquery(
            literal_column("'simple'::regconfig"), bindparam("words", expression)
        )
        document: ColumnClause[Any] = literal_column("decision_documents.document")
        found = (
            select(DecisionDocument.decision_id.label("id"),
                   func.ts_rank(document, tsquery).label("rank"))
            .where(document.op("@@")(tsquery))
            .subquery()
        )  # fmt: skip
        return found, found.c.rank
    expression = fts5_query(query)
    if expression is None:
        return None
    weights = ", ".join(str(w) for w in WEIGHTS)
    found = (
        select(literal_column("decision_search.rowid").label("id"),
               (-literal_column(f"bm25(decision_search, {weights})")).label("rank"))
        .select_from(_fts)
        .where(literal_column("decision_search").op("MATCH")(bindparam("match", expression)))
        .subquery()
    )  # fmt: skip
    return found, found.c.rank


def _hidden_exist(db: Session) -> bool:
    """Whether any decision belongs to a meeting the public may not see. A decision follows a
    vote in a running meeting, so in practice none does; the check (from the few meetings not
    yet public) spares every search two joins over the whole archive."""
    hidden = (
        select(Decision.id)
        .join(Poll, Poll.id == Decision.poll_id)
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .where(Meeting.state.not_in(PUBLIC_STATES))
        .limit(1)
    )
    return db.scalar(hidden) is not None


def _filtered(db: Session, actor: Any, filters: ArchiveFilters) -> Select:
    hide = not permissions.can(actor, "meeting.read_draft") and _hidden_exist(db)
    query = select(Decision)
    if (
        hide
        or filters.meeting_id is not None
        or filters.outcome in OUTCOMES
        or (filters.status is not None)
    ):
        query = query.join(Poll, Poll.id == Decision.poll_id)
    if hide:
        query = query.join(Meeting, Meeting.id == Poll.meeting_id).where(
            Meeting.state.in_(PUBLIC_STATES)
        )
    if filters.year is not None:
        query = query.where(Decision.year == filters.year)
    if filters.meeting_id is not None:
        query = query.where(Poll.meeting_id == filters.meeting_id)
    if filters.outcome in OUTCOMES:
        query = query.where(Poll.approved.is_(filters.outcome == "approved"))
    if filters.topic_id is not None or filters.organisation_id is not None:
        query = query.join(Proposal, Proposal.id == Decision.proposal_id)
        if filters.topic_id is not None:
            query = query.where(Proposal.topic_id == filters.topic_id)
        if filters.organisation_id is not None:
            query = query.where(Proposal.organisation_id == filters.organisation_id)
    if filters.zone_id is not None:
        in_zone = select(proposal_zones.c.proposal_id).where(
            proposal_zones.c.zone_id == filters.zone_id
        )
        query = query.where(Decision.proposal_id.in_(in_zone))
    if filters.community_point_id is not None:
        query = query.where(Decision.proposal_id.in_(concerning_point(filters.community_point_id)))
    if filters.status is not None or filters.sort == "updated":
        query = query.outerjoin(Implementation, Implementation.decision_id == Decision.id)
    if filters.status is not None:
        query = query.where(Poll.approved.is_(True))
        if filters.status == ImplementationState.NOT_STARTED:
            query = query.where(
                or_(Implementation.state.is_(None),
                    Implementation.state == ImplementationState.NOT_STARTED)
            )  # fmt: skip
        else:
            query = query.where(Implementation.state == filters.status)
    return query


def search(db: Session, actor: Any, filters: ArchiveFilters) -> ArchivePage:
    """The decisions the actor may see that match the filters, a page of them: by relevance
    when words are searched (unless another order is asked), else newest first; `updated`
    puts the latest implementation updates first. A page past the last shows the last."""
    query = _filtered(db, actor, filters)
    parsed = parse(filters.words)
    rank = None
    if parsed.typed:
        matched = None if parsed.empty else _matches(db, parsed)
        if matched is None:
            return ArchivePage()
        found, rank = matched
        query = query.join(found, found.c.id == Decision.id)
    # one row per decision whatever the joins: counted without selecting its columns
    total = db.scalar(query.with_only_columns(func.count(Decision.id)).order_by(None)) or 0
    order: list[Any] = []
    relevance = rank is not None and (filters.sort or "relevance") == "relevance"
    unranked = relevance and total > RANKED_AT_MOST
    if rank is not None and relevance and not unranked:
        order.append(rank.desc())
    if filters.sort == "updated":
        order.append(Implementation.updated_at.desc().nulls_last())
    order += [Decision.year.desc(), Decision.seq.desc()]

    per_page = max(1, min(filters.per_page, 100))
    pages = max(1, -(-total // per_page))
    page = min(max(1, filters.page), pages)
    rows = list(
        db.scalars(
            query.order_by(*order)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .options(
                selectinload(Decision.proposal),
                selectinload(Decision.poll).selectinload(Poll.meeting),
                selectinload(Decision.poll).selectinload(Poll.item),
            )
        )
    )
    return ArchivePage(rows, total, page, pages, implementations_of(db, rows), unranked)


def implementations_of(db: Session, rows: list[Decision]) -> dict[int, Implementation]:
    if not rows:
        return {}
    found = db.scalars(
        select(Implementation).where(Implementation.decision_id.in_([d.id for d in rows]))
    )
    return {row.decision_id: row for row in found}


def years(db: Session, actor: Any) -> list[int]:
    """The years that have decisions the actor may see, newest first."""
    query = _filtered(db, actor, ArchiveFilters()).with_only_columns(Decision.year).distinct()
    return sorted(db.scalars(query), reverse=True)


def meeting_title(db: Session, actor: Any, meeting_id: int | None) -> str | None:
    """The title of the meeting a filter names, if the actor may see it."""
    if meeting_id is None:
        return None
    meeting = db.get(Meeting, meeting_id)
    if meeting is None:
        return None
    if meeting.state not in PUBLIC_STATES and not permissions.can(actor, "meeting.read_draft"):
        return None
    return meeting.title
