# touchpoint-miner: `make demo` and `make test` are the two commands; each sets everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := constraints.txt
STAMP := $(VENV)/.installed
DATASETS ?= ../shared/datasets
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export NUMBA_CACHE_DIR := $(CURDIR)/.cache/numba

.PHONY: setup demo lint test docs freeze-training-texts eval eval-pain-points eval-probe reliability bench bench-api clean

setup: $(STAMP)
	@# Debian's chromium renders the HTML report in the browser test (Playwright drives it; no browser download).
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; the browser test of the HTML report will be skipped"
	@# The default embedder: MiniLM fine-tuned on the taxonomy's examples, built once into ~/.cache (about a minute).
	$(BIN)/touchpoints setup-models

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip -c $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[dev]'
	touch $(STAMP)

demo: setup
	mkdir -p out
	$(BIN)/touchpoints mine corpora/food_delivery --db out/demo.db --json-out out/demo_summary.json
	@echo "Database: out/demo.db   JSON summary: out/demo_summary.json"

# Style and types before any test: ruff on the whole tree (miner, api, tests, bench, reliability, docs) and mypy on
# miner/ and api/ (configured in pyproject.toml; the first run takes minutes, .mypy_cache makes later ones quick).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy

test: lint
	$(BIN)/python -m pytest -q

# The generated parts of the user guide: every command and option (docs/guide/cli.md), every route and setting
# (docs/guide/api.md), from the code itself. Run it after changing a command, a route or a setting; tests/test_docs.py
# fails until the pages are current.
docs: $(STAMP)
	$(BIN)/python docs/gen.py

# The demo corpus' texts the complaint head and the students train on are a copy frozen into the package
# (miner/train/data/demo_texts.json; corpora/food_delivery/README.md). After editing the corpus, write it again: every
# model is rebuilt on its next use (`make setup` rebuilds the default ones).
freeze-training-texts: $(STAMP)
	$(BIN)/python -c "from miner.train.sources import freeze_demo_texts; print(freeze_demo_texts(), 'texts frozen')"

# Transfer, not fit (miner/eval/transfer.py): each domain of the dev sets (restaurants, laptops, banking, health,
# call-centre; tweets for complaint F1) scored with a taxonomy, seeds and encoder that never saw it, ours and the naive
# anchor, per domain and as the mean of domains, with the two probe sets (short items, whole conversations); writes
# its table into docs/quality.md. A seeded sample of up to 600 items per domain: about 4 minutes for both steps on an
# idle machine once the held-out encoders exist (2026-12-06); the first run also builds 3 held-out tuned encoders and
# 3 complaint encoders (about 1.5 CPU-minutes each, cached after), about 15 minutes in all. EVAL_ARGS="--limit 200"
# for a quicker one, "--full" for every item (long: CFPB's letters dominate), "--fit" for the earlier whole-set table
# with the shipped taxonomy (docs/lab/fit.md).
eval: setup
	@# Both steps read through an embedding cache of this run's own (TOUCHPOINTS_EVAL_CACHE), so the tables depend on
	@# the code and the sets alone, not on what other evaluations left in the shared one: a vector in bfloat16 depends
	@# a little on its batch (miner/eval/predict.py `eval_cache`). About a minute more than a warm cache.
	@# The second step is the corrections curve: 0/5/10/25 corrections per touchpoint per domain, old head vs labelled
	@# head (docs/lab/loop.md).
	cache=$$(mktemp -d) && trap 'rm -rf "$$cache"' EXIT && export TOUCHPOINTS_EVAL_CACHE=$$cache/eval.db && \
	$(BIN)/python -m miner.eval.report --datasets $(DATASETS) --out docs/quality.md $(EVAL_ARGS) && \
	$(BIN)/python -m miner.eval.loop --datasets $(DATASETS) --out docs/quality.md

# Pain points against the sets' fine labels (CFPB issue, banking77 intent, NHS category), next to BERTopic used by
# hand, and a nightly --incremental half against a full run; writes its table into docs/quality.md. About 10 minutes,
# most of it importing CFPB's long letters twice (spaCy, PII).
eval-pain-points: setup
	$(BIN)/python bench/pain_points.py --datasets $(DATASETS) --nightly --out docs/quality.md

# Transfer: the default and the naive anchor on the team-written cross-industry probe set (corpora/probe/, industries
# the dev sets lack), per industry; writes its table into docs/lab/transfer.md. A few minutes; PROBE_ARGS="--limit 100".
eval-probe: setup
	$(BIN)/python bench/probe.py --out docs/lab/transfer.md $(PROBE_ARGS)

# Every hardening measurement at full size (10,000 fuzzed inputs, 20 SIGKILLs, 60 s of load, ...); several minutes.
# RELIABILITY_ARGS="--only generated --generated 200 --out /tmp/r.md" for a quick look that leaves the page as it is
reliability: setup
	$(BIN)/python -m reliability --out docs/reliability.md $(RELIABILITY_ARGS)

# Both profiles (and the batch profile with --no-redact, issue 21's batch settings, with the static student and with
# the compact one, which this target builds first: docs/lab/compact.md) end to end on ../shared/datasets/raw
# against the anchor, on the first 5,000 and on all 42.5k conversations
# (skips when absent); BENCH_ARGS="--limits 5000" for a quicker one. Then the nightly incremental batch and peak memory
# at a million segments (bench/scale.py). An hour or more on 2 cores.
# Last, start-up: the first result of a 10-row mine in a fresh process (bench/startup.py, 3 runs, about a minute).
bench: setup
	$(BIN)/touchpoints setup-fast --compact
	@# accuracy through an evaluation cache of this run's own, as `make eval` (its figures then depend on nothing read
	@# before; the timed runs use fresh databases either way)
	cache=$$(mktemp -d) && trap 'rm -rf "$$cache"' EXIT && \
	TOUCHPOINTS_EVAL_CACHE=$$cache/eval.db $(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/scale.py nightly
	$(BIN)/python bench/scale.py memory
	$(BIN)/python bench/startup.py --runs 3

# GET /v1/pain-points under load on a synthetic 1M-segment workspace (built once into .cache/api-bench, ~30 s), against
# `touchpoints serve` on 127.0.0.1; writes docs/performance.md. BENCH_API_ARGS="--segments 100000 --no-docs" for a quick one.
# BENCH_API_ARGS="--markets 5": the first request per market of a Market column instead of the load.
bench-api: setup
	$(BIN)/python bench/api_load.py $(BENCH_API_ARGS)

clean:
	rm -rf $(VENV) out .cache .pytest_cache .mypy_cache
