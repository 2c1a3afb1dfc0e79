"""`nextcloud-mcp-server db ...`: migrations and key rotation from the command line.

Why lazy: `db history` needs only Alembic's script directory, and `--version` nothing at all,
so this module imports neither SQLAlchemy's asyncio layer nor the MCP SDK; each action
imports what it runs. Wired into cli.py with `add_parser(subcommands)` and `run(args)`;
`main(argv)` runs it alone (`python -m nextcloud_mcp_server.commands.db upgrade`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

PROG = "nextcloud-mcp-server"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add `db` and its actions to the CLI's sub-commands."""
    db = subparsers.add_parser(
        "db", help="manage the token and webhook store", description="Manage the token and webhook store."
    )
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        parser.add_argument(
            "--database-url",
            help="SQLAlchemy URL of the store (default: $DATABASE_URL, else a SQLite file under "
            "$APP_PERSISTENT_STORAGE or ./data)",
        )
        return parser

    action("upgrade", "migrate the database to a revision (default: head)").add_argument(
        "revision", nargs="?", default="head"
    )
    action("current", "show the revision the database is at")
    action("history", "list the migrations")
    down = action("downgrade", "migrate the database down (asks first; data in dropped tables is lost)")
    down.add_argument("revision", nargs="?", default="-1", help='target revision (default: "-1"; "base" drops all)')
    down.add_argument("-y", "--yes", action="store_true", help="do not ask (for scripts)")
    action("migrate", "write a new migration from the models (autogenerate; for developers)").add_argument(
        "message", help="what the migration changes"
    )
    action("rotate-key", "re-encrypt stored tokens and client secrets with the newest TOKEN_ENCRYPTION_KEY")
    return db


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """A parser with only `db`, so the commands run without cli.py (tests, `python -m`)."""
    parser = argparse.ArgumentParser(prog=PROG)
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser(commands)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse(["db", *(sys.argv[1:] if argv is None else argv)]))


def _database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    from nextcloud_mcp_server.config import load_settings

    return load_settings().resolved_database_url()


def run(args: argparse.Namespace) -> int:
    """Run one `db` action; 0 on success, 1 when the store refused, 2 when the user did."""
    from nextcloud_mcp_server.config import ConfigError
    from nextcloud_mcp_server.store.errors import StoreError

    handler = {
        "upgrade": _upgrade,
        "current": _current,
        "history": _history,
        "downgrade": _downgrade,
        "migrate": _migrate,
        "rotate-key": _rotate_key,
    }[args.db_command]
    try:
        return handler(args)
    except StoreError as exc:
        print(f"{PROG} db {args.db_command}: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"{PROG} db {args.db_command}: {exc}", file=sys.stderr)
        return 2


def _upgrade(args: argparse.Namespace) -> int:
    from nextcloud_mcp_server.store import migrate
    from nextcloud_mcp_server.store.urls import masked

    url = _database_url(args)
    outcome = migrate.upgrade(url, args.revision)
    if outcome.stamped:
        print(f"Stamped the existing (pre-Alembic) schema at revision {migrate.INITIAL_REVISION}.")
    before = ", ".join(outcome.before) or "empty"
    after = ", ".join(outcome.after) or "empty"
    print(f"{masked(url)}: {before} -> {after}" if before != after else f"{masked(url)}: already at {after}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from nextcloud_mcp_server.store import migrate

    heads = set(migrate.script_heads())
    revisions = migrate.current(_database_url(args))
    if not revisions:
        print("none (the database has no migrations applied; run `db upgrade`)")
    for revision in revisions:
        print(f"{revision} (head)" if revision in heads else revision)
    return 0


def _history(args: argparse.Namespace) -> int:
    from nextcloud_mcp_server.store import migrate

    for line in migrate.history():
        print(line)
    return 0


def _confirmed(question: str) -> bool | None:
    """True/False from the user; None when nobody can answer (stdin is not a terminal)."""
    if not sys.stdin.isatty():
        return None
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _downgrade(args: argparse.Namespace) -> int:
    from nextcloud_mcp_server.store import migrate
    from nextcloud_mcp_server.store.urls import masked

    url = _database_url(args)
    if not args.yes:
        answer = _confirmed(
            f"Downgrade {masked(url)} to {args.revision}? Tables and columns that the newer revisions "
            "added are dropped, with their data."
        )
        if answer is None:
            print(
                f"{PROG} db downgrade: refusing to downgrade without confirmation in a non-interactive shell; "
                "add --yes to confirm.",
                file=sys.stderr,
            )
            return 2
        if not answer:
            print("Not downgraded.")
            return 2
    after = migrate.downgrade(url, args.revision)
    print(f"{masked(url)}: now at {', '.join(after) or 'base (empty)'}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    import tempfile

    from nextcloud_mcp_server.store import migrate

    if args.database_url:
        url = args.database_url
        migrate.upgrade(url)
        path = migrate.autogenerate(url, args.message)
    else:  # compare with a scratch database at head, not with anyone's data
        with tempfile.TemporaryDirectory(prefix="nc-mcp-migrate-") as scratch:
            url = f"sqlite:///{scratch}/scratch.db"
            migrate.upgrade(url)
            path = migrate.autogenerate(url, args.message)
    if path is None:
        print("No differences between the models and the migrations; nothing written.")
    else:
        print(f"Wrote {path}; read it before committing.")
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    import anyio

    from nextcloud_mcp_server.store.core import Store

    async def rotate() -> str:
        async with Store(database_url=_database_url(args)) as store:
            result = await store.rotate_key()
        return (
            f"Re-encrypted {result.tokens} refresh token(s) and {result.client_secrets} client secret(s) "
            "with the first key of TOKEN_ENCRYPTION_KEY; older keys can now be removed from it."
        )

    print(anyio.run(rotate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
