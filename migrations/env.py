"""Alembic environment: the URL comes from the caller (flask db upgrade, tests)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import engine_from_config, pool

import council.models  # noqa: F401 - registers every table on the metadata
from council.db import Base
from council.models.archive import outside_models

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
target_metadata = Base.metadata


def render_item(type_: str, obj, autogen_context):
    """Render our column types as the plain SQLAlchemy types they store."""
    if type_ == "type" and obj.__class__.__module__.startswith("council."):
        return f"sa.{obj.impl.__class__.__name__}()"
    return False


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
            include_name=outside_models,  # the search index is made per database
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
