# The two quick-start commands of the README, and the pieces they are made of.
# CI runs `make test` (see .ci/run), exactly as the README says.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: quickstart test install

## Install everything, then train the default model into runs/quickstart, export every variant, verify
## them on every test image, time them and write runs/quickstart/report.html (`cnnkit pipeline`).
quickstart: install
	$(BIN)/cnnkit pipeline --out runs/quickstart

## Install everything, then run the whole test suite (the slow end-to-end test included).
test: install
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all]"
	touch $@
