# Nextcloud MCP Server, standalone: `docker run -p 8000:8000 -e NEXTCLOUD_URL=... -e NEXTCLOUD_USERNAME=...
# -e NEXTCLOUD_PASSWORD=... <image>`, then point an MCP client at http://<host>:8000/mcp.
# As a Nextcloud ExApp, AppAPI deploys the same image with APP_ID etc. set: ex_app/start.sh then
# serves `nextcloud-mcp-server exapp` (and, with HaRP, starts the FRP client first).
# Build stage: turn the sources into a wheel, so the runtime image carries no build tools.
FROM python:3.12-slim AS build

WORKDIR /src
COPY pyproject.toml README.md ./
COPY lib/ lib/
COPY ex_app/ ex_app/
# alembic/ ships inside the wheel (as nextcloud_mcp_server.store.migrations).
COPY alembic/ alembic/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# FRP client for HaRP (AppAPI's streaming reverse proxy), the build HaRP publishes for ExApps.
FROM python:3.12-slim AS frp
ARG FRP_VERSION=0.61.1
ARG TARGETARCH=amd64
WORKDIR /frp
RUN python -c "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], 'frp.tar.gz')" \
        "https://raw.githubusercontent.com/nextcloud/HaRP/main/exapps_dev/frp_${FRP_VERSION}_linux_${TARGETARCH}.tar.gz" \
    && tar -xzf frp.tar.gz --strip-components=1 \
    && install -m 0755 frpc /usr/local/bin/frpc

# Runtime stage: the package and its runtime dependencies only (no test extras), as a non-root user.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_PERSISTENT_STORAGE=/data

COPY --from=build /wheels /wheels
COPY --from=frp /usr/local/bin/frpc /usr/local/bin/frpc
COPY --chmod=755 ex_app/start.sh /usr/local/bin/start.sh
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin mcp \
    && mkdir -p /app /data \
    && chown mcp:mcp /app /data

WORKDIR /app

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# python:*-slim has no curl: the check is Python, for each mode (standalone /health/live, ExApp
# /heartbeat on APP_PORT, or over HaRP's unix socket with the FRP client alive).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "ex_app.healthcheck"]

# No arguments: ExApp mode when AppAPI set APP_ID, else `run --host 0.0.0.0 --port 8000`.
ENTRYPOINT ["/usr/local/bin/start.sh"]
