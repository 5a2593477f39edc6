# Two commands on a fresh machine: `make demo` and `make test`. Everything else is set-up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ENTAS := $(BIN)/entas
HOUSEHOLDS ?= 20000
SEED ?= 2025
PYTEST_ARGS ?=

.PHONY: demo test bench lint setup venv assets db synth serve worker clean check-browser check-java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

setup: venv assets
	mkdir -p var
	$(ENTAS) compile_messages

db: setup
	$(ENTAS) migrate --no-input -v 0
	$(ENTAS) load_regions
	$(ENTAS) load_boundaries

synth: db
	$(ENTAS) synth --households $(HOUSEHOLDS) --seed $(SEED) --replace
	$(ENTAS) demo_users

# The demo server runs with DEBUG off, so an error shows the friendly page, never a trace.
var/secret_key:
	mkdir -p var
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

demo: synth var/secret_key
	DEBUG=0 SECRET_KEY="$$(cat var/secret_key)" $(ENTAS) collectstatic --no-input -v 0
	$(ENTAS) synth --households 300 --seed 2026 --out var/contoh-impor > /dev/null
	@echo "Contoh berkas untuk dicoba di /impor/: var/contoh-impor/ (DTSEN keluarga + anggota, P3KE)"
	$(ENTAS) linkage registry > /dev/null
	@echo "Deduplikasi registri selesai: pasangan kandidat menunggu di /pencocokan/antrean/"
	$(ENTAS) classify --period 2025-01 --freeze > /dev/null
	$(ENTAS) synth_quarter --as-of 2025-04-15 --seed $(SEED) > /dev/null
	$(ENTAS) classify --period 2025-Q2 --compare 2025-01 | tail -n +1
	@echo "Sasaran: periode Januari 2025 dan Triwulan II 2025 di /sasaran/ (bandingkan di /sasaran/bandingkan/)"
	$(ENTAS) verval_demo --period 2025-01 --seed $(SEED) --replace
	@echo "Verval: kampanye di /verval/kampanye/ (demo-admin); tugas lapangan di /verval/lapangan/ (demo-psm-<kode kelurahan>); pemeriksaan di /verval/periksa/ (demo-petugas)"
	$(ENTAS) load_programmes > /dev/null
	$(ENTAS) recommend --period 2025-01 | tail -n 3
	$(ENTAS) interventions_demo --period 2025-01 --seed $(SEED) --replace
	@echo "Intervensi: katalog program di /intervensi/program/ dan rekomendasi (demo-admin); antrean tiap OPD/mitra di /intervensi/rujukan/ (demo-opd-<kode>, mis. demo-opd-dinsos, demo-opd-dinkes, demo-opd-baznas); kesenjangan dan bantuan ganda di /intervensi/konvergensi/ (demo-admin)"
	@echo "Server: http://127.0.0.1:8000/  (Ctrl+C untuk berhenti)"
	DEBUG=0 SECRET_KEY="$$(cat var/secret_key)" $(ENTAS) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	DEBUG=0 SECRET_KEY="$$(cat var/secret_key)" SECURE_COOKIES=0 $(ENTAS) runserver --noreload 127.0.0.1:8000

worker: db
	$(ENTAS) db_worker

check-browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium (Debian package 'chromium') is needed for browser tests: sudo apt-get install chromium"; exit 1; fi; }

# The Spark test (tests/linkage/test_spark.py) runs the model in a local Spark, on Java.
check-java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "Java 17 (Debian package 'openjdk-17-jre-headless') is needed for the Spark test: sudo apt-get install openjdk-17-jre-headless"; exit 1; fi; }

test: setup check-browser check-java
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/entas makemigrations --check --dry-run
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/run.py

lint: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) node_modules var
