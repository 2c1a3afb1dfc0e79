"""Logging set-up shared by every way the server starts (run, stdio, exapp).

Why: libraries log more than an operator needs. httpx logs every request at INFO (noise per
tool call, and file names are the user's business); Alembic logs its machinery at INFO on every
start (the store logs the one line that matters: what it migrated to).
"""

from __future__ import annotations

import logging
import sys

QUIETER = ("httpx", "httpcore", "alembic")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Log to stderr at `level`; the chatty libraries only from WARNING (or `level` if higher)."""
    logging.basicConfig(level=level, stream=sys.stderr, format=FORMAT)
    floor = max(logging.WARNING, logging.getLevelName(level))
    for name in QUIETER:
        logging.getLogger(name).setLevel(floor)
