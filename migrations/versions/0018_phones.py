"""The archive's PostgreSQL search answers as SQLite's does: the decisions' document becomes
the 'simple' configuration's words (lower case, accents folded by translate(), punctuation as
spaces, so that `2026/001` or `socio-sanitario` are words as FTS5 reads them) instead of the
'italian' stems, and council.domain.archive.archive searches them by the same prefixes on both
databases (`anziano` finds `anziani`; the Italian stemmer gave `anzi` and `anzian`).
SQLite's FTS5 table is unchanged. See docs/archive.md.

Revision ID: 0018_phones
Revises: 0013_accounts
Create Date: 2026-12-07 23:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_phones"
down_revision: str | None = "0013_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep in step with council.domain.archive.archive.ACCENTED / UNACCENTED.
ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿñçÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝÑÇ"
UNACCENTED = "aaaaaaeeeeiiiiooooouuuuyyncAAAAAAEEEEIIIIOOOOOUUUUYNC"
# ASCII punctuation and the typographic marks of Italian texts (quotes, dashes, ellipsis).
PUNCTUATION = "[!-/:-@\\[-`{-~\u2018\u2019\u201c\u201d\u00ab\u00bb\u2010\u2013\u2014\u2026\u00b7]+"

DROP = [
    "DROP INDEX IF EXISTS ix_decision_documents_document",
    "ALTER TABLE decision_documents DROP COLUMN IF EXISTS document",
]


def _words(column: str, weight: str) -> str:
    folded = f"translate(lower({column}), '{ACCENTED}', '{UNACCENTED}')"
    spaced = f"regexp_replace({folded}, '{PUNCTUATION}', ' ', 'g')"
    return f"setweight(to_tsvector('simple', {spaced}), '{weight}')"


def _stems(column: str, weight: str) -> str:  # migration 0009's document
    folded = f"translate({column}, '{ACCENTED}', '{UNACCENTED}')"
    return f"setweight(to_tsvector('italian', {folded}), '{weight}')"


def _document(part) -> str:
    return (
        "ALTER TABLE decision_documents ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        f"{part('title', 'A')} || {part('text', 'B')} || {part('body', 'C')}) STORED"
    )


INDEX = "CREATE INDEX ix_decision_documents_document ON decision_documents USING gin (document)"
# The words' document is larger than the stems' (every word kept, each form its own): left
# to the default it is moved out of the row (TOAST) and every match then reads it back from
# there, ten times slower (bench/archive_words.py). Kept in the row, compressed; the rows are
# then written again so that those already there follow.
STEMS = [_document(_stems), INDEX]
WORDS = [
    _document(_words),
    "ALTER TABLE decision_documents ALTER COLUMN document SET STORAGE MAIN",
    "UPDATE decision_documents SET title = title",
    INDEX,
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in [*DROP, *WORDS]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in [*DROP, *STEMS]:
        op.execute(statement)
