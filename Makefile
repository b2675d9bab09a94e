# Caravana: `make demo` serves the site with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: demo test install lock axe lint format bench chaos serve clean messages email-examples screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every dependency, extras included, at the version and hash in requirements.lock; then the project
# itself without dependencies. pip check fails when pyproject.toml asks for something the lock lacks.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	  echo "requirements.lock does not match pyproject.toml: run make lock"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# Refresh requirements.lock from pyproject.toml after a dependency changes (a few minutes: every
# file's hash is fetched). LOCK_ARGS="--upgrade" or "--upgrade-package NAME" moves versions on.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip-tools>=7.5"
	$(BIN)/pip-compile --quiet --all-extras --generate-hashes --strip-extras --no-emit-index-url \
	  --no-emit-find-links $(LOCK_ARGS) -o requirements.lock pyproject.toml

# axe-core, which the browser tests run in every page (tests/browser/axe.py), from the npm
# registry at a pinned version, kept in .venv so it is fetched once.
AXE_VERSION := 4.14.1
AXE_STAMP   := $(VENV)/axe/.axe-core-$(AXE_VERSION)
$(AXE_STAMP): | $(BIN)/python
	npm install --prefix $(VENV)/axe --no-save --no-audit --no-fund --no-package-lock --silent axe-core@$(AXE_VERSION)
	@touch $@

axe: $(AXE_STAMP)

# The demo runs the sandbox payment provider (off by default: see docs/operations.md).
demo: export PAYMENTS_SANDBOX = 1
# Demo figures for the payout fee and FX margin (docs/payments.md, Payouts): not a partner's price.
demo: export PAYOUTS_FEE_RATE = 0.005
demo: export PAYOUTS_FX_MARGIN = 0.01
demo: install
	$(BIN)/python -m caravana migrate --noinput
	$(BIN)/python -m caravana seed --scale demo
	$(BIN)/python -m caravana seed_logistics
	$(BIN)/python -m caravana seed_clearance
	$(BIN)/python -m caravana seed_handover
	$(BIN)/python -m caravana seed_carrier_events
	$(BIN)/python -m caravana seed_deliveries
	$(BIN)/python -m caravana seed_returns
	$(BIN)/python -m caravana seed_reviews
	$(BIN)/python -m caravana seed_promotions
	$(BIN)/python -m caravana seed_payouts
	$(BIN)/python -m caravana seed_baskets
	$(BIN)/python -m caravana demo_history
	@echo ""
	@echo "Caravana is serving on http://127.0.0.1:$(PORT)/"
	@echo "  storefront         http://127.0.0.1:$(PORT)/"
	@echo "  merchant console   http://127.0.0.1:$(PORT)/console/   (merchant / caravana-demo)"
	@echo "  operator back office http://127.0.0.1:$(PORT)/admin/   (operator / caravana-demo)"
	@echo "  API docs           http://127.0.0.1:$(PORT)/api/v1/docs"
	@echo "  buyer login: buyer / caravana-demo · hub staff: hub / caravana-demo · planner: planner / caravana-demo · customs desk (GRU): customs / caravana-demo · returns point (São Paulo, /returns-point/): returns / caravana-demo"
	@echo ""
	$(BIN)/python -m caravana runserver 127.0.0.1:$(PORT)

serve: export PAYMENTS_SANDBOX = 1
serve: install
	$(BIN)/python -m caravana runserver 127.0.0.1:$(PORT)

test: export PAYMENTS_SANDBOX = 1
# Bytecode on even where the environment turns it off (PYTHONDONTWRITEBYTECODE=1 here): pytest
# then keeps its assertion-rewritten test modules, and collecting the suite takes 6 s, not 18 s,
# in each worker after the first run.
test: export PYTHONDONTWRITEBYTECODE =
# Two workers: this is a 2-core machine, and the suite (browser and schemathesis runs included)
# takes about half as long.
test: install $(AXE_STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# ruff, the import contracts (.importlinter), then mypy (files and strictness: [tool.mypy] in
# pyproject.toml).
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Fault run on PostgreSQL (bench/chaos.py): gunicorn and a Celery worker over Redis, workers
# killed at random, then the invariants checked. CHAOS_ARGS="--checkouts 500 --kills 100 ...".
chaos: install
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

# The e-mails of one order's life, as a real SMTP server received them, into docs/emails/.
email-examples: install
	CARAVANA_EMAIL_EXAMPLES=docs/emails $(BIN)/python -m pytest -q -p no:cacheprovider tests/orders/test_order_emails_life.py

# What buyers see, per country: search, product, cart and order pages at 1366 and 390 px, and the
# payment steps of each country's methods, saved cards, reviews and deals, into docs/screenshots/
# (linked from docs/user-guide.md). `make test` takes none (tests/shots.py).
screenshots: export PAYMENTS_SANDBOX = 1
screenshots: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 0 --screenshots -m screenshots tests/browser/test_buyer_journeys.py tests/browser/test_search.py \
	  tests/browser/test_shelves.py
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 0 --screenshots tests/browser/test_local_methods.py \
	  tests/browser/test_cards.py tests/browser/test_card_providers.py tests/browser/test_reviews.py \
	  tests/browser/test_promotions.py

messages: install
	cd src/caravana && ../../$(BIN)/python -m caravana makemessages -l es -l pt_BR -l en -l zh_Hans --no-obsolete --ignore "*/seeding/*"
	cd src/caravana && ../../$(BIN)/python -m caravana compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
