# Briefer — the commands a new user, CI and a benchmark run use.
#   make demo    ingest the fixture workspace, score it at its pinned as-of time, brief the hot accounts
#                with the local model (llama-server + SmolLM2-135M, installed on first use), write the
#                CRM payload files and the actions for reps (tasks, Slack messages, signed webhook events:
#                config/demo-actions.yaml), and backtest the score against the conversions after that time
#   make test    check the code's format (make lint), run the test suite (swift test), the prompt regression suite
#                replayed offline (briefer regress), and the end-to-end test against the local model
#   make bench   the 1M-event benchmark against DuckDB and a plain Python + SQLite job, then briefer serve's
#                load, kill and high-intent checks
# Each target installs what it needs first (apt packages: libcurl4-openssl-dev, libsqlite3-dev, libpq-dev, liblz4-dev; the
# model server into .build/llm-venv, compiling llama.cpp the first time: 10-17 minutes on 2 cores).
# Set OPENAI_BASE_URL, OPENAI_API_KEY and BRIEFER_MODEL for `make demo` to use another OpenAI-compatible
# endpoint instead (the tests always use the local model).

SHELL := /bin/bash
SWIFT ?= swift
FIXTURES := Fixtures/workspace
DEMO_DB ?= .build/demo.sqlite
DEMO_CRM ?= .build/demo-crm
BRIEFER_DEBUG := .build/debug/briefer
BRIEFER_RELEASE := .build/release/briefer
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AS_OF = $(shell python3 -c 'import json;print(json.load(open("$(FIXTURES)/manifest.json"))["as_of"])')

.PHONY: deps build release install install-check demo test fuzz lint format prompts fixtures check-fixtures bench clean model-server model-server-stop

deps:
	@missing=""; \
	pkg-config --exists libcurl 2>/dev/null || missing="$$missing libcurl4-openssl-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	pkg-config --exists zlib 2>/dev/null || missing="$$missing zlib1g-dev"; \
	pkg-config --exists libpq 2>/dev/null || missing="$$missing libpq-dev"; \
	pkg-config --exists liblz4 2>/dev/null || missing="$$missing liblz4-dev"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift is not on PATH: install Swift 6 (https://www.swift.org/install/linux/)"; exit 1; }

build: deps
	$(SWIFT) build

# The Swift runtime and Foundation are linked in statically: the binary needs only the system's libraries
# (libc, libcurl, libsqlite3, …), so it runs where no Swift toolchain is installed.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# Installs the release binary, its man pages and bash / zsh / fish completions under PREFIX (DESTDIR for
# packaging). `make install-check` installs into a temporary PREFIX and runs the installed binary alone.
PREFIX ?= /usr/local
MANUAL_DIR := .build/manual
install: release
	$(SWIFT) build --product generate-manual >/dev/null
	rm -rf $(MANUAL_DIR) && mkdir -p $(MANUAL_DIR)
	.build/debug/generate-manual $(BRIEFER_RELEASE) --multi-page --output-directory $(MANUAL_DIR)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -s -m 755 $(BRIEFER_RELEASE) $(DESTDIR)$(PREFIX)/bin/briefer
	install -m 644 $(MANUAL_DIR)/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(BRIEFER_RELEASE) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/briefer
	$(BRIEFER_RELEASE) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_briefer
	$(BRIEFER_RELEASE) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/briefer.fish
	@echo "installed briefer $$($(DESTDIR)$(PREFIX)/bin/briefer --version) under $(DESTDIR)$(PREFIX)"

# Outside `make test` (a release build takes minutes): installs into a temporary PREFIX, checks the files
# and that the binary links no Swift library, then runs it alone in an empty directory — no config file,
# no Prompts/ — through ingest, score, enrich (the local model) and sync.
install-check: model-server
	bash Tests/install/check.sh

# The main job on the fixtures: ingest, score at the manifest's as-of time, list the hot accounts, brief
# them, and write the CRM payload files.
MODEL_SERVER := Tests/llm/model-server.sh
LOCAL_MODEL_URL = $(shell $(MODEL_SERVER) url)
# The demo's endpoint: OPENAI_BASE_URL when set (with BRIEFER_MODEL naming its model), else the local model server.
MODEL_URL = $(if $(OPENAI_BASE_URL),$(OPENAI_BASE_URL),$(LOCAL_MODEL_URL))
MODEL_FLAG = $(if $(BRIEFER_MODEL),--model $(BRIEFER_MODEL),)

model-server:
	@$(MODEL_SERVER) start

model-server-stop:
	@$(MODEL_SERVER) stop

demo: build $(if $(OPENAI_BASE_URL),,model-server)
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BRIEFER_DEBUG) ingest --db $(DEMO_DB) $(FIXTURES)/companies.csv $(FIXTURES)/users.csv $(FIXTURES)/subscriptions.csv $(FIXTURES)/events.jsonl
	$(BRIEFER_DEBUG) score --db $(DEMO_DB) --as-of $(AS_OF)
	$(BRIEFER_DEBUG) accounts --db $(DEMO_DB) --tier hot
	$(BRIEFER_DEBUG) enrich --db $(DEMO_DB) --base-url $(MODEL_URL) $(MODEL_FLAG)
	@rm -rf $(DEMO_CRM)
	$(BRIEFER_DEBUG) sync --db $(DEMO_DB) --out $(DEMO_CRM) --config config/demo-actions.yaml
	@python3 Tests/demo/show_actions.py $(DEMO_CRM)
	$(BRIEFER_DEBUG) backtest --db $(DEMO_DB) --as-of $(AS_OF) --html .build/demo-backtest.html

# The end-to-end test (ingest → score → enrich against a real model) runs when BRIEFER_E2E_MODEL_URL is
# set, on its own after the rest: the model keeps both cores busy, which the other suites' timeouts mind.
test: deps model-server lint
	$(SWIFT) build
	$(SWIFT) test --skip LocalModelEndToEndTests
	bash Tests/fuzz/run.sh replay
	BRIEFER_E2E_MODEL_URL=$(LOCAL_MODEL_URL) bash Tests/warehouse/run.sh $(BRIEFER_DEBUG) fixtures warehouse-20k variants
	$(BRIEFER_DEBUG) regress --junit .build/regress.xml
	BRIEFER_E2E_MODEL_URL=$(LOCAL_MODEL_URL) $(SWIFT) test --filter LocalModelEndToEndTests

# Fuzzing BrieferCore's parsers (JSON, event lines of every source, CSV, line splitting, gzip): explores for
# FUZZ_SECONDS per target (FUZZ_TARGET for one); new inputs land in .build/fuzz/found, crashes in .build/fuzz/crashes.
# `make test` replays the committed corpus plus 200000 seeded runs per target.
FUZZ_SECONDS ?= 300
fuzz:
	bash Tests/fuzz/run.sh explore $(FUZZ_SECONDS) $(FUZZ_TARGET)

# The code's format (.swift-format: 4 spaces, lines up to 140): `make format` applies it, `make lint` (part of
# `make test`) fails on any difference.
lint:
	$(SWIFT) format lint --strict -r Sources Tests

format:
	$(SWIFT) format format -i -r Sources Tests

# Compiles the default prompt template (Prompts/briefing.v3.yaml) into the binary's source.
prompts:
	python3 Prompts/embed.py

# Regenerates the fixture workspace (deterministic: no diff expected).
fixtures:
	python3 Fixtures/generator/generate.py workspace
	python3 Fixtures/generator/generate.py bad

check-fixtures: fixtures
	git diff --exit-code -- Fixtures/

# ~1M Segment events, then Briefer (release) vs DuckDB vs Python + SQLite on the same files.
# DuckDB comes from PyPI into a virtual environment (Debian's Python refuses system-wide pip installs).
BENCH_VENV := .build/bench-venv
bench: release
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null; }
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c 'import duckdb' 2>/dev/null || $(BENCH_VENV)/bin/python -m pip install -q duckdb
	$(BENCH_VENV)/bin/python Tests/bench/bench.py --briefer $(BRIEFER_RELEASE) --events 1000000
	@# briefer sql: the same model in DuckDB, PostgreSQL, Spark (and BigQuery / Snowflake through sqlglot) on 100k and 1M
	@# events, equal to briefer score, with each engine's load and script times.
	bash Tests/warehouse/run.sh $(BRIEFER_RELEASE) bench-100k bench-1m
	@# briefer serve: acknowledgements while pipeline cycles run over the same million events; then, with the test
	@# suite's fakes, 240k events through two SIGKILLs, a high-intent event to the fake HubSpot, refused requests.
	python3 Tests/bench/serve_bench.py --briefer $(BRIEFER_RELEASE) --data .build/bench/data
	$(SWIFT) build --build-tests
	BRIEFER_SERVE_BENCH=$(CURDIR)/$(BRIEFER_RELEASE) $(SWIFT) test --skip-build --filter ServeBenchTests 2>&1 \
		| grep -E '^serve bench|✘|passed after|failed after'; exit $${PIPESTATUS[0]}

clean:
	rm -rf .build/demo.sqlite* out/
