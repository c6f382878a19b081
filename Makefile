# Two entry points (see README.md):
#   make accept   set everything up, run the full acceptance run, reports in reports/latest/
#   make test     set everything up, run the whole test suite (unit + full plugin path)
# Everything is installed on first use and reused afterwards (.venv/, the framework's cached
# environment under ~/.cache/adapter-acceptance/, Debian's chromium).

PYTHON      ?= python3.11
VENV        := .venv
FRAMEWORK   ?= langbot==4.11.2
# The second framework: its OneBot v11 adapter is accepted with the same simulator, then compared.
FRAMEWORK2  ?= astrbot==4.14.6
# A newer AstrBot (Python 3.12 environment) for the live chat protocol suite only: its unified chat socket
# is what the 4.14.6 handler lacks. Set FRAMEWORK3= (empty) to leave it out.
FRAMEWORK3  ?= astrbot==4.28.2
# The adapters of the acceptance run (ADAPTER=name picks one). A run is adapter@mode (one report per run:
# reports/<run>/onebot-v11@reverse-ws.json); --adapter runs every mode the framework offers (OneBot v11 on LangBot:
# reverse-ws, forward-ws; on AstrBot: reverse-ws; Telegram on both: long-polling; KOOK on LangBot: websocket).
ADAPTER     ?=
ADAPTERS    ?= $(if $(ADAPTER),$(ADAPTER),onebot-v11 telegram-omni discord-omni kook-omni)
# Adapters only LangBot's release has (AstrBot 4.14.6 has no KOOK adapter): left out of the AstrBot runs.
LANGBOT_ONLY ?= kook-omni
# The runs both frameworks offer, compared after an acceptance run (a run not in ADAPTERS is left out).
COMPARE_RUNS ?= onebot-v11@reverse-ws telegram-omni@long-polling discord-omni@gateway
# Plugin-shipped adapters (published as git repositories, not in a release): the harness's reference adapters under
# fixtures/adapter_plugins/ stand in for them in the project's own runs; pass your own with --adapter-plugin DIR.
ADAPTER_PLUGINS ?= fixtures/adapter_plugins/reference_http_platform fixtures/adapter_plugins/reference_tangsengdaodao fixtures/adapter_plugins/reference_tailchat
plugins      = $(VENV)/bin/pytest -m plugin_e2e tests/acceptance/test_plugin_e2e.py $(foreach p,$(ADAPTER_PLUGINS),--adapter-plugin $(p)) --destructive --report-dir reports --framework $(FRAMEWORK2) --run-id $(RUN)-plugins $(call baseline,$(FRAMEWORK2)) $(PYTEST_ARGS)
PYTEST_ARGS ?=
RUN         ?= $(shell date -u +%Y%m%d-%H%M%S)
STAMP       := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | sha1sum | cut -c1-12)
# Simulated targets are disposable, so the destructive APIs (kick, leave, mute...) are exercised too.
E2E         := $(VENV)/bin/pytest $(foreach a,$(ADAPTERS),--adapter $(a)) --destructive --report-dir reports
E2E2        := $(VENV)/bin/pytest $(foreach a,$(filter-out $(LANGBOT_ONLY),$(ADAPTERS)),--adapter $(a)) --destructive --report-dir reports
live_chat    = $(if $(FRAMEWORK3),$(VENV)/bin/pytest -m plugin_e2e tests/live_chat --report-dir reports --framework $(FRAMEWORK3) --run-id $(RUN)-$(subst ==,-,$(FRAMEWORK3)) $(PYTEST_ARGS))
baseline     = $(if $(wildcard reports/baseline/$(subst ==,-,$(1))),--baseline reports/baseline/$(subst ==,-,$(1)))

.PHONY: accept test unit sensitivity setup venv browser framework clean-runs bench

accept: setup
	@echo "[make] acceptance of $(ADAPTERS) on $(FRAMEWORK2), then on $(FRAMEWORK) (reports/latest)"
	$(E2E2) -m plugin_e2e tests/acceptance/test_plugin_e2e.py tests/live_chat --framework $(FRAMEWORK2) --run-id $(RUN)-$(firstword $(subst ==, ,$(FRAMEWORK2))) $(call baseline,$(FRAMEWORK2)) $(PYTEST_ARGS)
	$(E2E) -m plugin_e2e --framework $(FRAMEWORK) --run-id $(RUN) $(call baseline,$(FRAMEWORK)) $(PYTEST_ARGS)
	$(foreach r,$(COMPARE_RUNS),$(if $(filter $(firstword $(subst @, ,$(r))),$(ADAPTERS)),$(VENV)/bin/acceptance compare reports/$(RUN)/$(r).json reports/$(RUN)-$(firstword $(subst ==, ,$(FRAMEWORK2)))/$(r).json --out-dir reports/$(RUN)/compare &&) ) true
	$(plugins)
	$(live_chat)
	@echo "[make] reports: reports/latest/ (cross-framework comparison in reports/latest/compare/; AstrBot's live chat protocol in reports/$(RUN)-*/live-chat-protocol.md)"

test: setup
	@echo "[make] test suite: unit tests and the full plugin path against $(FRAMEWORK), then $(FRAMEWORK2)$(if $(FRAMEWORK3),; the live chat protocol of $(FRAMEWORK3))"
	$(E2E) --framework $(FRAMEWORK) --run-id $(RUN) $(call baseline,$(FRAMEWORK)) $(PYTEST_ARGS)
	$(E2E2) -m plugin_e2e tests/acceptance/test_plugin_e2e.py tests/acceptance/test_sensitivity.py tests/acceptance/test_telegram_sensitivity.py tests/acceptance/test_telegram_faults.py tests/astrbot tests/live_chat --framework $(FRAMEWORK2) --run-id $(RUN)-$(firstword $(subst ==, ,$(FRAMEWORK2))) $(call baseline,$(FRAMEWORK2)) $(PYTEST_ARGS)
	$(plugins)
	$(live_chat)

unit: venv
	$(VENV)/bin/pytest -m unit $(PYTEST_ARGS)

# The sensitivity tables: seeded defects in the adapter (LangBot adapter-live; AstrBot one fresh stack per defect)
# and the simulated platform lying
# (answers, parameters, event fields that differ from the world) on both frameworks; every target must turn red
# (reports/<run>/sensitivity-*.md, sensitivity-<framework>-by-capability.md).
sensitivity: setup
	$(E2E) -m plugin_e2e tests/acceptance/test_sensitivity.py tests/acceptance/test_telegram_sensitivity.py tests/adapter_live/test_mutants.py --framework $(FRAMEWORK) --run-id $(RUN)-sensitivity $(PYTEST_ARGS)
	ACCEPTANCE_SENSITIVITY_FULL=1 $(E2E2) -m plugin_e2e tests/acceptance/test_sensitivity.py tests/acceptance/test_telegram_sensitivity.py tests/astrbot/test_astrbot_mutants.py --framework $(FRAMEWORK2) --run-id $(RUN)-sensitivity-$(firstword $(subst ==, ,$(FRAMEWORK2))) $(PYTEST_ARGS)

setup: venv browser framework

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py
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
	$(VENV)/bin/acceptance setup --framework $(FRAMEWORK2)
	$(if $(FRAMEWORK3),$(VENV)/bin/acceptance setup --framework $(FRAMEWORK3))

bench: setup
	$(VENV)/bin/python bench/checker_throughput.py

clean-runs:
	rm -rf runs/ reports/2* reports/latest
