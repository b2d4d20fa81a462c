# Linli — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
LOCALES := handlers/locales
DOMAINS = $(basename $(notdir $(wildcard $(LOCALES)/zh_CN/LC_MESSAGES/*.po)))

.PHONY: demo test lint bench soak chat i18n compile install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed i18n compile
install-dev: $(VENV)/.installed-dev i18n compile

# Bytecode for the project's own modules (the editable install leaves them as source): where
# PYTHONDONTWRITEBYTECODE is set no process writes it, and each `linli` process would compile
# the whole project again (~0.4 s of CPU at every start). Up-to-date files are skipped.
compile: | $(BIN)/python
	$(BIN)/python -m compileall -q bot handlers matching storage

# Compile the gettext catalogs (.po → .mo); the binaries are never committed.
i18n: | $(BIN)/python
	$(BIN)/pybabel -q compile -d $(LOCALES) -D "$(DOMAINS)"

demo: install
	$(BIN)/linli demo

chat: install
	$(BIN)/linli chat

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q -n 2

bench: install-dev
	$(BIN)/python bench/run.py

# Five minutes of load on PostgreSQL (SOAK_DB, dropped and created again); see bench/soak.py.
SOAK_DB ?= postgresql+asyncpg://postgres@127.0.0.1:5432/linli_soak
soak: install-dev
	$(BIN)/python bench/soak.py --database-url $(SOAK_DB) $(SOAK_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache bench/results.json
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find $(LOCALES) -name '*.mo' -delete
