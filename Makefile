# Set-up and the two things users do first: run the embedded pipeline, run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Stages run `python -m stages.…` under DVC: the project's environment comes first on PATH.
RUN := PATH="$(BIN):$$PATH" MLFLOW_DISABLE_TELEMETRY=true

.PHONY: setup repro test lint clean-outputs

setup: $(VENV)/.installed

# requirements.lock pins every package (torch as the exact CPU build: a range would pull CUDA wheels).
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

repro: setup
	$(RUN) $(BIN)/dvc repro

test: setup
	$(RUN) HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
