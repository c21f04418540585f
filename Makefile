# Two entry points: `make demo` (a whole course term) and `make test` (the test suite).
# Both build the project virtual environment first, from pinned requirements.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader calls `alembic` and `jupyter` by name: the environment's bin comes first.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test lint venv release clean

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml hub/package.json hub/package-lock.json
	@# bubblewrap isolates students' code; as root on Debian it is installed here, elsewhere the
	@# graders warn once and run with resource limits only.
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1; } || true
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@# The formgrader's pages get a Content-Security-Policy (nnlab/formgrader_csp.py): only
	@# nbgrader's own scripts run there, whatever a student's notebook holds.
	mkdir -p $(VENV)/etc/jupyter/jupyter_server_config.d
	printf '{"ServerApp": {"jpserver_extensions": {"nnlab.formgrader_csp": true}}}\n' \
		> $(VENV)/etc/jupyter/jupyter_server_config.d/nnlab.formgrader_csp.json
	@# The marking page for written answers beside the formgrader (nnlab/marking/): /nnlab/marking
	printf '{"ServerApp": {"jpserver_extensions": {"nnlab.marking": true}}}\n' \
		> $(VENV)/etc/jupyter/jupyter_server_config.d/nnlab.marking.json
	@# JupyterHub's proxy is a Node.js program (npm's configurable-http-proxy, pinned by
	@# hub/package-lock.json), linked into $(BIN) so the Hub finds it on PATH. Without npm the Hub's
	@# tests are skipped with that reason.
	@if command -v npm >/dev/null; then \
		mkdir -p $(VENV)/node && cp hub/package.json hub/package-lock.json $(VENV)/node/ && \
		npm ci --prefix $(VENV)/node --no-audit --no-fund --loglevel=error && \
		ln -sf ../node/node_modules/.bin/configurable-http-proxy $(BIN)/configurable-http-proxy; \
	else echo "npm not found: configurable-http-proxy (JupyterHub's proxy) is not installed"; fi
	touch $@

demo: $(STAMP)
	$(BIN)/python -m nnlab.demo

test: $(STAMP) lint
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=15 $(PYTEST_ARGS)

# The code's own checks (pyproject.toml): ruff, and the layers kept by import-linter.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Regenerate release/ from source/ after editing a source notebook.
release: $(STAMP)
	$(BIN)/python -m nnlab.cli release --generate-only

clean:
	rm -rf $(VENV) gradebook.db submitted autograded/*/ feedback .exchange .nnlab
