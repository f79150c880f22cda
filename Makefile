# Briefer — the commands a new user, CI and a benchmark run use.
#   make demo    ingest the fixture workspace, score it at its pinned as-of time, list the hot accounts
#   make test    run the test suite (swift test)
#   make bench   the 1M-event benchmark against DuckDB and a plain Python + SQLite job
# Each target installs what it needs first (apt packages: libcurl4-openssl-dev, libsqlite3-dev).

SHELL := /bin/bash
SWIFT ?= swift
FIXTURES := Fixtures/workspace
DEMO_DB ?= .build/demo.sqlite
BRIEFER_DEBUG := .build/debug/briefer
BRIEFER_RELEASE := .build/release/briefer
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AS_OF = $(shell python3 -c 'import json;print(json.load(open("$(FIXTURES)/manifest.json"))["as_of"])')

.PHONY: deps build release demo test fixtures check-fixtures bench clean

deps:
	@missing=""; \
	pkg-config --exists libcurl 2>/dev/null || missing="$$missing libcurl4-openssl-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift is not on PATH: install Swift 6 (https://www.swift.org/install/linux/)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job on the fixtures: ingest, score at the manifest's as-of time, list the hot accounts.
demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BRIEFER_DEBUG) ingest --db $(DEMO_DB) $(FIXTURES)/companies.csv $(FIXTURES)/users.csv $(FIXTURES)/subscriptions.csv $(FIXTURES)/events.jsonl
	$(BRIEFER_DEBUG) score --db $(DEMO_DB) --as-of $(AS_OF)
	$(BRIEFER_DEBUG) accounts --db $(DEMO_DB) --tier hot

test: deps
	$(SWIFT) test

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

clean:
	rm -rf .build/demo.sqlite* out/
