"""Flask commands: database migrations, demo data, accounts, the record's verification."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app

from council import demo, rendered_texts
from council.config import ROOT
from council.domain.accounts import accounts
from council.domain.permissions import SYSTEM
from council.domain.record import record
from council.errors import DomainError
from council.extensions import db
from council.models.user import Role
from council.scheduler import forget_expired_logins
from council.unit_of_work import unit_of_work


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def register_cli(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database schema (Alembic migrations)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision: str) -> None:
        """Migrate the database to REVISION (default: the latest)."""
        if current_app.config["DATABASE_URL"].startswith("sqlite:///"):
            Path(current_app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True
            )
        upgrade_database(current_app.config["DATABASE_URL"], revision)
        click.echo(f"database at {revision}")

    @db_group.command("downgrade")
    @click.argument("revision")
    def db_downgrade(revision: str) -> None:
        """Migrate the database down to REVISION."""
        command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message: str) -> None:
        """Write a new migration from the difference between the models and the database."""
        command.revision(
            alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
        )

    @app.cli.command("demo")
    @click.option("--reset", is_flag=True, help="Empty the database and load the demo again.")
    def demo_command(reset: bool) -> None:
        """Load the demo council of Brescia (idempotent)."""
        if reset:
            demo.reset(db)
        loaded = demo.load()
        click.echo("demo data loaded" if loaded else "demo data already present")

    @app.cli.group("record")
    def record_group() -> None:
        """The public record (registro)."""

    @record_group.command("verify")
    @click.option("--anchor", help="SEQ:HASH taken from an official document.")
    def record_verify(anchor: str | None) -> None:
        """Recompute the hash chain; exit 1 at the first broken link, naming it."""
        parsed = None
        if anchor:
            try:
                seq_text, digest = anchor.split(":", 1)
                parsed = (int(seq_text), digest.strip().lower())
            except ValueError:
                raise click.BadParameter("use SEQ:HASH", param_hint="--anchor") from None
        result = record.verify(db.session, anchor=parsed)
        if result.ok:
            click.echo(f"ok: {result.checked} events, head {result.head_seq} {result.head_hash}")
            if parsed:
                click.echo(f"anchor {parsed[0]}:{parsed[1]} is part of the chain")
            return
        click.echo(f"BROKEN at seq {result.broken_seq}: {result.reason}", err=True)
        click.echo(f"last good event: {result.head_seq} {result.head_hash}", err=True)
        sys.exit(1)

    @record_group.command("export")
    @click.option("--after", default=0, type=int)
    def record_export(after: int) -> None:
        """Write the record as JSON lines to standard output."""
        while True:
            rows = record.page(db.session, after=after, limit=1000)
            if not rows:
                return
            for row in rows:
                click.echo(json.dumps(record.as_public(row), ensure_ascii=False))
            after = rows[-1].seq

    @app.cli.group("texts")
    def texts_group() -> None:
        """User text (markdown) and its stored renderings."""

    @texts_group.command("render")
    def texts_render() -> None:
        """Render every stored text not rendered by this version (council/rendered_texts.py)."""
        assert db.engine is not None  # init_app made it
        with db.engine.begin() as connection:
            stored = rendered_texts.render_all(connection)
        click.echo(f"{stored} texts rendered")

    @app.cli.group("users")
    def users_group() -> None:
        """Accounts."""

    @users_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", "roles", multiple=True, type=click.Choice([str(r) for r in Role]))
    @click.password_option()
    def users_create(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
        """Create an active account (e.g. the first administrator)."""
        try:
            with unit_of_work() as session:
                user = accounts.create_user(
                    session,
                    SYSTEM,
                    email=email,
                    name=name,
                    password=password,
                    roles={Role(r) for r in roles},
                )
        except DomainError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"created {user.public_id}")

    @users_group.command("forget-expired")
    def users_forget_expired() -> None:
        """Drop expired login counters and idle sessions (the server's scheduler does it too)."""
        dropped = forget_expired_logins()
        click.echo(f"dropped {dropped['counters']} counters, {dropped['sessions']} sessions")
