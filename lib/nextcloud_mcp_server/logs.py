"""Logging set-up shared by every way the server starts (run, stdio, exapp).

Why: libraries log more than an operator needs. httpx logs every request at INFO (noise per
tool call, and file names are the user's business); Alembic logs its machinery at INFO on every
start (the store logs the one line that matters: what it migrated to). Uvicorn's access log
prints each request's query string, and the OAuth routes carry secrets there (an authorization
code, a consent ticket): their values are redacted before any handler sees them.
"""

from __future__ import annotations

import logging
import re
import sys

QUIETER = ("httpx", "httpcore", "alembic")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


SECRET_PARAMETERS = re.compile(
    r"([?&](?:code|state|ticket|token|access_token|refresh_token|id_token|client_secret|session_state)=)[^&\s]*",
    re.IGNORECASE,
)


def redact_query(text: str) -> str:
    """`/oauth/callback?code=abc&state=x` -> `/oauth/callback?code=[redacted]&state=[redacted]`."""
    return SECRET_PARAMETERS.sub(r"\1[redacted]", text)


class RedactQueryFilter(logging.Filter):
    """Redacts secret query parameters in access-log records (uvicorn passes the path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        return True


def configure_logging(level: str) -> None:
    """Log to stderr at `level`; the chatty libraries only from WARNING (or `level` if higher)."""
    logging.basicConfig(level=level, stream=sys.stderr, format=FORMAT)
    floor = max(logging.WARNING, logging.getLevelName(level))
    for name in QUIETER:
        logging.getLogger(name).setLevel(floor)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryFilter) for f in access.filters):
        access.addFilter(RedactQueryFilter())  # survives uvicorn's own dictConfig, which keeps logger filters
