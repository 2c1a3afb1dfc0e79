# The four entry points a newcomer and CI need; each does its own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench standin clean postgresql idp chromium build register unregister run-exapp

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# With NEXTCLOUD_URL (or NEXTCLOUD_HOST) set, serve that Nextcloud; otherwise serve
# the bundled stand-in with a demo user so the server can be tried at once.
run: install
	@if [ -n "$$NEXTCLOUD_URL$$NEXTCLOUD_HOST" ]; then \
		exec $(VENV)/bin/nextcloud-mcp-server run $(ARGS); \
	else \
		exec $(PY) -m tests.standin.demo $(ARGS); \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The store's tests start a throwaway PostgreSQL (Debian's); install it when missing (as root).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }

# The OAuth tests run the npm `oidc-provider` as their identity provider (tests/idp);
# install Node.js from Debian when missing, and the locked npm packages once.
idp:
	@command -v npm >/dev/null 2>&1 || { \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; }
	@test -d tests/idp/node_modules/oidc-provider || npm ci --prefix tests/idp --no-audit --no-fund

# One end-to-end test drives the consent pages in Debian's Chromium with Playwright (the Python
# package comes with the test extra); install the browser from Debian when missing, never download one.
chromium:
	@test -x /usr/bin/chromium || { \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

test: lint postgresql idp chromium
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: install
	$(PY) -m bench.run

standin: install
	$(PY) -m tests.standin $(ARGS)

# --- As a Nextcloud AppAPI external app (ExApp) ---------------------------------------------
# `make build` the image; `make register` with a manual-install daemon (the app runs where you
# start it, e.g. `make run-exapp`); `make unregister`. OCC runs Nextcloud's occ (override it,
# e.g. OCC="sudo -u www-data php /var/www/nextcloud/occ").
APP_ID      ?= nextcloud_mcp_server
APP_VERSION ?= $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
APP_PORT    ?= 23000
APP_HOST    ?= 127.0.0.1
APP_SECRET  ?= change-me-to-a-long-random-secret
IMAGE       ?= ghcr.io/nextcloud/nextcloud-mcp-server
OCC         ?= docker exec -u www-data nextcloud php occ
DAEMON_HOST ?= host.docker.internal

build:
	docker build -t $(IMAGE):$(APP_VERSION) -t $(IMAGE):latest .

register: install
	$(OCC) app_api:daemon:register manual_install "Manual Install" manual-install http $(DAEMON_HOST) http://localhost || true
	$(OCC) app_api:app:register $(APP_ID) manual_install \
		--json-info '$(shell $(PY) -m ex_app.manifest --secret $(APP_SECRET) --port $(APP_PORT))' --wait-finish

unregister:
	$(OCC) app_api:app:unregister $(APP_ID) --silent --force || true

# With NEXTCLOUD_URL set, serve as the ExApp of that Nextcloud (register it with `make register`);
# otherwise run the stand-in behind the AppAPI simulator with the ExApp registered, to try it at once.
run-exapp: install
	@if [ -n "$$NEXTCLOUD_URL" ]; then \
		APP_ID=$(APP_ID) APP_VERSION=$(APP_VERSION) APP_SECRET=$(APP_SECRET) APP_HOST=$(APP_HOST) \
		APP_PORT=$(APP_PORT) APP_PERSISTENT_STORAGE=$${APP_PERSISTENT_STORAGE:-./data} \
		exec $(VENV)/bin/nextcloud-mcp-server exapp; \
	else \
		exec $(PY) -m tests.appapi; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info lib/*.egg-info
