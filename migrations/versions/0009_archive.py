"""The archive: decisions' search documents with a full-text index per database, and the
implementation status (stato di attuazione) with its dated updates.

SQLite: an FTS5 table over decision_documents (external content), kept in step by triggers,
with the unicode61 tokenizer folding case and accents. PostgreSQL: a generated tsvector
column (Italian stemming, accents folded by translate(), titles weighted A, the decision's
text B, the context C) with a GIN index. Existing decisions are indexed here; new ones by
council.domain.archive.archive.index_decision. See docs/archive.md.

Revision ID: 0009_archive
Revises: 0008_minutes
Create Date: 2026-11-25 02:29:11.864525
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_archive"
down_revision: str | None = "0008_minutes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("not_started", "in_progress", "completed", "suspended")
# Keep in step with council.domain.archive.archive.ACCENTED / UNACCENTED.
ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿñçÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝÑÇ"
UNACCENTED = "aaaaaaeeeeiiiiooooouuuuyyncAAAAAAEEEEIIIIOOOOOUUUUYNC"

# The same document as council.domain.archive.archive.index_decision writes.
FILL = """
INSERT INTO decision_documents (decision_id, title, text, body)
SELECT d.id, COALESCE(pr.title, i.title), d.text || ' ' || p.question,
       COALESCE(v.body, '') || ' ' || m.title
FROM decisions d
JOIN polls p ON p.id = d.poll_id
JOIN agenda_items i ON i.id = p.item_id
JOIN meetings m ON m.id = p.meeting_id
LEFT JOIN proposals pr ON pr.id = d.proposal_id
LEFT JOIN proposal_versions v ON v.proposal_id = pr.id AND v.number = pr.current_version
"""

SQLITE_UP = [
    "CREATE VIRTUAL TABLE decision_search USING fts5(title, text, body, "
    "content='decision_documents', content_rowid='decision_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER decision_documents_ai AFTER INSERT ON decision_documents BEGIN "
    "INSERT INTO decision_search (rowid, title, text, body) "
    "VALUES (new.decision_id, new.title, new.text, new.body); END",
    "CREATE TRIGGER decision_documents_ad AFTER DELETE ON decision_documents BEGIN "
    "INSERT INTO decision_search (decision_search, rowid, title, text, body) "
    "VALUES ('delete', old.decision_id, old.title, old.text, old.body); END",
    "CREATE TRIGGER decision_documents_au AFTER UPDATE ON decision_documents BEGIN "
    "INSERT INTO decision_search (decision_search, rowid, title, text, body) "
    "VALUES ('delete', old.decision_id, old.title, old.text, old.body); "
    "INSERT INTO decision_search (rowid, title, text, body) "
    "VALUES (new.decision_id, new.title, new.text, new.body); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS decision_documents_au",
    "DROP TRIGGER IF EXISTS decision_documents_ad",
    "DROP TRIGGER IF EXISTS decision_documents_ai",
    "DROP TABLE IF EXISTS decision_search",
]


def _vector(column: str, weight: str) -> str:
    folded = f"translate({column}, '{ACCENTED}', '{UNACCENTED}')"
    return f"setweight(to_tsvector('italian', {folded}), '{weight}')"


POSTGRESQL_UP = [
    "ALTER TABLE decision_documents ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    f"{_vector('title', 'A')} || {_vector('text', 'B')} || {_vector('body', 'C')}) STORED",
    "CREATE INDEX ix_decision_documents_document ON decision_documents USING gin (document)",
]
POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_decision_documents_document",
    "ALTER TABLE decision_documents DROP COLUMN IF EXISTS document",
]


def upgrade() -> None:
    op.create_table(
        "decision_documents",
        sa.Column("decision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_documents_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_decision_documents")),
    )
    state = sa.Enum(*STATES, name="implementationstate", native_enum=False,
                    create_constraint=True, length=12)  # fmt: skip
    op.create_table(
        "implementation_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("state", state, nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100",
            name=op.f("ck_implementation_updates_progress_range"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_implementation_updates_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_implementation_updates_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implementation_updates")),
    )
    with op.batch_alter_table("implementation_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_implementation_updates_decision", ["decision_id", "id"], unique=False
        )
    op.create_table(
        "implementations",
        sa.Column("decision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", state, nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("update_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_implementations_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_implementations_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_implementations")),
    )
    with op.batch_alter_table("implementations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_implementations_state_updated", ["state", "updated_at"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP}.get(dialect, []):
        op.execute(statement)
    op.execute(FILL)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN}.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table("implementations", schema=None) as batch_op:
        batch_op.drop_index("ix_implementations_state_updated")
    op.drop_table("implementations")
    with op.batch_alter_table("implementation_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_implementation_updates_decision")
    op.drop_table("implementation_updates")
    op.drop_table("decision_documents")
