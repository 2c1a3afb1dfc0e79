"""Alembic's entry point for the store's migrations.

The store always hands us a connection (`config.attributes["connection"]`) that it holds
under the migration lock (see `nextcloud_mcp_server/store/migrate.py`); there is no
alembic.ini. Offline mode (`--sql`) renders SQL for the URL in the `sqlalchemy.url` option.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from nextcloud_mcp_server.store.models import Base

config = context.config
target_metadata = Base.metadata


def _skip_empty(ctx: Any, revision: Any, directives: list[Any]) -> None:
    """`db migrate` writes nothing when the models and the migrations agree."""
    if config.attributes.get("skip_empty") and directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `nextcloud-mcp-server db ...`, which provides the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        process_revision_directives=_skip_empty,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
