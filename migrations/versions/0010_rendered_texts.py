"""User text rendered once, when written: the sanitized HTML and plain text of every markdown
field, by the source's SHA-256 (council/rendered_texts.py). The texts already stored are
rendered here, within the work budget (council/markdown_guard.py): about a millisecond each,
so a few minutes for a council's whole history of 200,000 comments.

Revision ID: 0010_rendered_texts
Revises: 0009_archive
Create Date: 2026-12-07 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_rendered_texts"
down_revision: str | None = "0009_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rendered_texts",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("renderer", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("plain", sa.Text(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_rendered_texts")),
    )
    from council.rendered_texts import render_all

    render_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("rendered_texts")
