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

# The extractor compiled with mypyc (about 40 s), again whenever its sources change. The
# digest of the sources is taken first, and kept only if the compile succeeds: provenance
# trusts a build only when that record matches its sources (provenance/extraction). Where
# compiling fails (no C compiler, no network) no build is left and the extractor runs as
# pure Python, only slower.
EXTRACTION := $(filter-out %/__init__.py,$(wildcard provenance/extraction/*.py))
BUILT_FROM := provenance/extraction/.built-from
$(VENV)/.compiled: $(VENV)/.installed $(EXTRACTION) Makefile
	@echo "install: compiling the extractor with mypyc (about 40 s)"
	@rm -f $(BUILT_FROM)
	$(BIN)/python -W ignore -c "import provenance.extraction as e; print(e.sources_digest())" > $(BUILT_FROM).new
	HATCH_BUILD_HOOK_ENABLE_MYPYC=true $(BIN)/python -m pip install --quiet --no-deps -e . \
	  && mv $(BUILT_FROM).new $(BUILT_FROM) \
	  || { rm -f $(BUILT_FROM).new provenance/extraction/*.so *__mypyc*.so; \
	       echo "install: compiling failed; the extractor runs as pure Python (slower)" >&2; }
	touch $@

# hatch-mypyc moves pyproject.toml aside while it compiles: a build killed then leaves it there
pyproject.toml:
	@test -f pyproject.toml.bak || { echo "make: pyproject.toml is missing" >&2; exit 1; }
	mv pyproject.toml.bak pyproject.toml

install: $(VENV)/.compiled

demo: $(VENV)/.compiled
	$(BIN)/provenance ingest seeds --manifest seeds/manifest.csv --format table
	$(BIN)/provenance quotes --format table

test: $(VENV)/.compiled
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
