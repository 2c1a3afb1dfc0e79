# Nextcloud MCP Server, standalone: `docker run -p 8000:8000 -e NEXTCLOUD_URL=... -e NEXTCLOUD_USERNAME=...
# -e NEXTCLOUD_PASSWORD=... <image>`, then point an MCP client at http://<host>:8000/mcp.
# Build stage: turn the sources into a wheel, so the runtime image carries no build tools.
FROM python:3.11-slim AS build

WORKDIR /src
COPY pyproject.toml README.md ./
COPY lib/ lib/
COPY ex_app/ ex_app/
# alembic/ ships inside the wheel (as nextcloud_mcp_server.store.migrations).
COPY alembic/ alembic/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# Runtime stage: the package and its runtime dependencies only (no test extras), as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_PERSISTENT_STORAGE=/data

COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin mcp \
    && mkdir -p /app /data \
    && chown mcp:mcp /app /data

WORKDIR /app

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# python:*-slim has no curl: ask /health/live with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4).status != 200)"]

CMD ["nextcloud-mcp-server", "run", "--host", "0.0.0.0", "--port", "8000"]
