# The README's quick start: `make demo` runs provenance on seeds/, `make test` runs the suite.
# Both create the virtualenv and install provenance into it on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The extractor compiled with mypyc (about 40 s), again whenever its sources change; where
# that fails (no C compiler) provenance keeps running it as pure Python, only slower.
$(VENV)/.compiled: $(VENV)/.installed $(wildcard provenance/extraction/*.py)
	@echo "install: compiling the extractor with mypyc (about 40 s)"
	HATCH_BUILD_HOOK_ENABLE_MYPYC=true $(BIN)/python -m pip install --quiet --no-deps -e . \
	  || echo "install: compiling failed; the extractor runs as pure Python (slower)" >&2
	touch $@

# hatch-mypyc moves pyproject.toml aside while it compiles: a build killed then leaves it there
pyproject.toml:
	@test -f pyproject.toml.bak && mv pyproject.toml.bak pyproject.toml

install: $(VENV)/.compiled

demo: $(VENV)/.compiled
	$(BIN)/provenance ingest seeds --manifest seeds/manifest.csv --format table
	$(BIN)/provenance quotes --format table

test: $(VENV)/.compiled
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
