VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG ?= config/feedd.yaml
# The extraction stages, compiled to C extensions with mypyc (shipped with mypy) beside their
# sources; Python imports the compiled module first. FEEDD_PURE_PYTHON=1 skips it.
COMPILED := $(addprefix feedd/,$(addsuffix .py,decode extract extract_page extract_time extract_title title_site \
	dateline dates byline byline_text authors author_marks content content_clean content_embedded))
# One stamp per way of running, so switching ways rebuilds.
COMPILED_STAMP := build/.$(if $(FEEDD_PURE_PYTHON),pure,compiled)

.PHONY: install run test lint demo bench clean pure

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Rebuilt whenever a source changes, so no stale compiled module outlives its .py (a test checks).
# The libraries are touched: setuptools copies one whose C code is unchanged with its old time.
build/.compiled: $(STAMP) $(COMPILED) tools/compile.py Makefile
	@mkdir -p build && rm -f build/.pure
	@if $(PY) tools/compile.py $(COMPILED) > build/mypyc.log 2>&1; then \
		touch feedd/*.so; echo "feedd: extraction modules compiled with mypyc"; \
	else \
		rm -f feedd/*.so; echo "feedd: mypyc failed (see build/mypyc.log); feedd runs as plain Python, slower"; \
	fi
	@touch $@

build/.pure: $(STAMP)
	@mkdir -p build && rm -f build/.compiled feedd/*.so
	@echo "feedd: FEEDD_PURE_PYTHON set; feedd runs as plain Python"
	@touch $@

install: $(COMPILED_STAMP)

run: $(COMPILED_STAMP)
	$(VENV)/bin/feedd run --config $(CONFIG)

test: $(COMPILED_STAMP)
	$(VENV)/bin/ruff check feedd tests benchmarks tools
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check feedd tests benchmarks tools
	$(VENV)/bin/mypy

demo: $(COMPILED_STAMP)
	$(PY) -m tests.portal.demo

bench: $(COMPILED_STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) benchmarks/extract.py
	$(PY) benchmarks/discover.py

clean: pure
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The compiled modules and mypyc's build files go (FEEDD_PURE_PYTHON=1 make test: the suite on plain Python).
pure:
	rm -rf feedd/*.so build

.PHONY: crash-loop

# kill -9 at random moments during `feedd once`, 200 times (the default suite does 15)
crash-loop: $(COMPILED_STAMP)
	FEEDD_CRASH_ITERATIONS=200 $(VENV)/bin/pytest -q -s tests/test_crash.py -k crash_loop
