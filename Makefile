# Two commands for a newcomer: `make run` and `make test`. Python 3.11 or newer, nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app consult
PORT ?= 5000
GOVUK_FRONTEND_VERSION := 6.3.0
PYTEST := $(BIN)/python -m pytest
TEST_WORKERS ?= 2

.PHONY: run test lint bench assets clean

$(VENV)/.installed-run: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: install, migrate, load the demo, start the web app, the worker and beat
run: $(VENV)/.installed-run
	CONSULT_CONFIG=development $(FLASK) db upgrade
	CONSULT_CONFIG=development $(FLASK) consult demo
	CONSULT_CONFIG=development PORT=$(PORT) $(FLASK) consult serve --port $(PORT)

## test: install what the tests need, lint, run the whole suite: in parallel (pytest-xdist),
## then alone the tests marked serial; fails if either part fails (or neither has a test)
test: $(VENV)/.installed-test lint
	$(PYTEST) -n $(TEST_WORKERS) --dist worksteal -m "not serial" $(PYTEST_ARGS); parallel=$$?; \
	$(PYTEST) -m serial $(PYTEST_ARGS); serial=$$?; \
	[ $$parallel$$serial = 00 ] || [ $$parallel$$serial = 05 ] || [ $$parallel$$serial = 50 ]

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: speed measurements, printed as ratios against a baseline
bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

## assets: refresh the vendored GOV.UK Frontend (needs npm); the GDS font is left out
assets:
	rm -rf build/govuk-frontend && mkdir -p build/govuk-frontend
	cd build/govuk-frontend && npm pack --silent govuk-frontend@$(GOVUK_FRONTEND_VERSION) && tar xzf govuk-frontend-$(GOVUK_FRONTEND_VERSION).tgz
	sed -e 's/@font-face{font-family:GDS Transport[^}]*}//g' \
	    -e 's/font-family:GDS Transport,arial,sans-serif/font-family:arial,sans-serif/g' \
	    build/govuk-frontend/package/dist/govuk/govuk-frontend.min.css > consult/static/govuk-frontend/govuk-frontend.min.css
	cp build/govuk-frontend/package/dist/govuk/govuk-frontend.min.js consult/static/govuk-frontend/

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
