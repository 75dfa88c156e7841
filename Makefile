# Set-up and the two things users do first: run the embedded pipeline, run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Stages run `python -m stages.…` under DVC: the project's environment comes first on PATH.
RUN := PATH="$(BIN):$$PATH" MLFLOW_DISABLE_TELEMETRY=true
# cpu: requirements.lock (CPU PyTorch); cuda: requirements-cuda.lock (PyPI's CUDA PyTorch), for GPU machines
TORCH ?= cpu
LOCK := $(if $(filter cuda,$(TORCH)),requirements-cuda.lock,requirements.lock)
# Where the CPU build of PyTorch comes from: pip's own find-links where pip is configured with one (uv does
# not read pip's configuration), else PyTorch's CPU index.
TORCH_SOURCE := $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null | sed 's/^/--find-links /')
TORCH_SOURCE := $(or $(TORCH_SOURCE),--extra-index-url https://download.pytorch.org/whl/cpu)
TORCH_SOURCE := $(if $(filter cuda,$(TORCH)),,$(TORCH_SOURCE))

.PHONY: setup repro test lint lock

setup: $(VENV)/.installed

# Every package comes pinned with its hashes, and set-up refuses any file whose hash differs. uv (itself
# pinned and hashed in requirements-uv.lock) installs; where it cannot be had, pip installs the same lock.
# uv compiles the bytecode as pip does: where PYTHONDONTWRITEBYTECODE is set, every start would compile again
# (the test suite took 28 minutes instead of 13).
$(VENV)/.installed: $(LOCK) requirements-uv.lock pyproject.toml
	@started=$$(date +%s); set -e; \
	$(PYTHON) -m venv $(VENV); \
	if $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-uv.lock; then \
	  $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes $(TORCH_SOURCE) \
	    -r $(LOCK); \
	else \
	  echo "setup: uv could not be installed; installing with pip"; \
	  $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK); \
	fi; \
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .; \
	touch $@; \
	echo "setup: $(VENV) from $(LOCK) in $$(( $$(date +%s) - started )) s"

repro: setup
	$(RUN) $(BIN)/dvc repro

test: setup
	$(RUN) HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

# Resolve requirements.in again into both hashed locks (needs the package index; run after changing a pin).
lock: setup
	$(BIN)/uv pip compile requirements.in --quiet --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 $(TORCH_SOURCE) --no-header -o requirements.lock
	$(BIN)/uv pip compile requirements.in --quiet --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --no-header -o requirements-cuda.lock
