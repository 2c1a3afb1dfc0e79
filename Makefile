# The four entry points a newcomer and CI need; each does its own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench standin clean postgresql

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

# The store's tests start a throwaway PostgreSQL (Debian's); install it when missing (as root).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }

test: lint postgresql
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: install
	$(PY) -m bench.run

standin: install
	$(PY) -m tests.standin $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info lib/*.egg-info
