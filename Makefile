# The two commands of the README. Each creates the virtual environment and installs
# what it needs by itself; re-running reinstalls only when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
EXAMPLE ?= examples/customs-agency/sovmap.yaml
PORT   ?= 8501

.PHONY: demo test scan install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## demo: scan the bundled example into ./sovmap.db and serve the dashboard on it
demo: $(STAMP)
	$(BIN)/sovmap scan -c $(EXAMPLE)
	$(BIN)/sovmap dashboard --port $(PORT)

scan: $(STAMP)
	$(BIN)/sovmap scan -c $(EXAMPLE)

## test: the whole test suite (PostgreSQL tests run when a server is reachable; required with CI=true)
test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) sovmap.db sovmap.db-wal sovmap.db-shm .pytest_cache
