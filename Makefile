# Two commands for learners: `make lab` and `make test`; `make app` shows the same pages as an
# app (Voilà: no code, no notebook editor). Everything else is bootstrapping.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test
# Jupyter refuses to start as root unless told; containers and CI often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab app test lint format clean help

help:
	@echo "make lab   - set up (first time only) and open the workbook in JupyterLab"
	@echo "make test  - set up (first time only), lint, and run every test"
	@echo "make app   - set up (first time only) and open the workbook as an app in Voila:"
	@echo "             the same pages and answers as make lab, without code or notebook editing"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "This workbook needs Python 3.10 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(LAB_STAMP)

# Lab serves the learner's own copy (git-ignored), never notebooks/ itself: running and
# autosaving pages then leaves the repository clean, and `git pull` brings newer pages,
# which tools/workcopy.py carries into the copy without touching the learner's edits.
WORKBOOK := my-workbook
# `make lab PREP_DATA_DIR=../interview-data` keeps answers elsewhere. The kernel runs in
# $(WORKBOOK)/, so a relative folder is made absolute here, from where make was run.
ifdef PREP_DATA_DIR
override export PREP_DATA_DIR := $(if $(filter /% ~%,$(PREP_DATA_DIR)),$(PREP_DATA_DIR),$(abspath $(PREP_DATA_DIR)))
endif

lab: $(LAB_STAMP)
	@$(BIN)/python tools/workcopy.py --dest $(WORKBOOK)
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) \
		--ServerApp.root_dir=$(WORKBOOK) \
		--LabApp.default_url=/lab/tree/00-start-here.ipynb

# The app is Voilà inside a Jupyter server, on the same copy and data folder as Lab: it keeps
# the server's token login and opens the start page. Voilà serves the whole folder, every page
# at /voila/render/NAME.ipynb, so each page's relative Previous/Next link resolves to the next
# page (`voila NAME.ipynb` serves that one notebook alone and answers every link with 403).
# jupyter_app_config.py holds the Voilà settings.
app: $(LAB_STAMP)
	@$(BIN)/python tools/workcopy.py --dest $(WORKBOOK)
	$(BIN)/jupyter server --ip=127.0.0.1 $(ROOT_FLAG) \
		--config=jupyter_app_config.py \
		--ServerApp.root_dir=$(WORKBOOK) \
		--ServerApp.default_url=/voila/render/00-start-here.ipynb

lint: $(TEST_STAMP)
	$(BIN)/ruff check prep tests tools benchmarks conftest.py jupyter_app_config.py
	$(BIN)/ruff format --check prep tests tools benchmarks conftest.py jupyter_app_config.py

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix prep tests tools benchmarks conftest.py jupyter_app_config.py
	$(BIN)/ruff format prep tests tools benchmarks conftest.py jupyter_app_config.py

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
