"""Votes declared aloud (appello nominale): a named ballot may name the chair or secretary
who entered it for a member without a device.

Revision ID: 0012_declared_votes
Revises: 0011_sessions
Create Date: 2026-12-07 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_declared_votes"
down_revision: str | None = "0011_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ballots_entered_by_id_users"), "users", ["entered_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ballots_entered_by_id_users"), type_="foreignkey")
        batch_op.drop_column("entered_by_id")
