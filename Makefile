# Two entry points (see README.md):
#   make accept   set everything up, run the full acceptance run, reports in reports/latest/
#   make test     set everything up, run the whole test suite (unit + full plugin path)
# Everything is installed on first use and reused afterwards (.venv/, the framework's cached
# environment under ~/.cache/adapter-acceptance/, Debian's chromium).

PYTHON      ?= python3.11
VENV        := .venv
FRAMEWORK   ?= langbot==4.11.2
ADAPTER     ?= onebot-v11
PYTEST_ARGS ?=
# Simulated targets are disposable, so the destructive APIs (kick, leave, mute...) are exercised too.
E2E_ARGS    := --framework $(FRAMEWORK) --adapter $(ADAPTER) --destructive --report-dir reports
BASELINE    := reports/baseline/$(subst ==,-,$(FRAMEWORK))
STAMP       := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: accept test unit setup venv browser framework clean-runs bench

accept: setup
	@echo "[make] full acceptance run: $(FRAMEWORK), adapter $(ADAPTER)"
	$(VENV)/bin/pytest -m plugin_e2e $(E2E_ARGS) $(if $(wildcard $(BASELINE)),--baseline $(BASELINE)) $(PYTEST_ARGS)
	@echo "[make] reports: reports/latest/"

test: setup
	@echo "[make] test suite: unit tests and the full plugin path against $(FRAMEWORK)"
	$(VENV)/bin/pytest $(E2E_ARGS) $(if $(wildcard $(BASELINE)),--baseline $(BASELINE)) $(PYTEST_ARGS)

unit: venv
	$(VENV)/bin/pytest -m unit $(PYTEST_ARGS)

setup: venv browser framework

venv: $(STAMP)

$(STAMP): pyproject.toml
	@echo "[make] harness environment in $(VENV)/"
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

browser:
	@if command -v chromium >/dev/null 2>&1; then echo "[make] browser: $$(command -v chromium)"; \
	else echo "[make] installing Debian chromium (apt)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && echo "[make] browser: $$(command -v chromium)"; fi

framework: venv
	$(VENV)/bin/acceptance setup --framework $(FRAMEWORK)

bench: setup
	$(VENV)/bin/python bench/checker_throughput.py

clean-runs:
	rm -rf runs/ reports/2* reports/latest
