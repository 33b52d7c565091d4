# One entry point for people and CI. `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test check lint typecheck unit bench train install install-dev

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e ".[dev,hf,ner,gateway,local]"

demo: install
	$(BIN)/safeship demo

lint: install-dev
	$(BIN)/ruff check src tests bench training
	$(BIN)/ruff format --check src

typecheck: install-dev
	$(BIN)/mypy

unit: install-dev
	$(BIN)/pytest -q

check: lint typecheck

test: check unit

bench: install-dev
	$(BIN)/python -m bench.guard_latency
	$(BIN)/python -m bench.detector_quality

train: install-dev
	PYTHONPATH=. $(BIN)/python -m training.train_all
