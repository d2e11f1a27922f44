# The two quick-start commands of the README, and the pieces they are made of.
# CI runs `make test` (see .ci/run), exactly as the README says.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: quickstart test install

## Install everything, train the default model into runs/quickstart, export every variant, verify them.
quickstart: install
	$(BIN)/cnnkit train --out runs/quickstart
	$(BIN)/cnnkit export --model runs/quickstart/model.keras --format all
	$(BIN)/cnnkit verify --model runs/quickstart/model.keras

## Install everything, then run the whole test suite (the slow end-to-end test included).
test: install
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all]"
	touch $@
