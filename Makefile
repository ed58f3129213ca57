VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG ?= config/feedd.yaml

.PHONY: install run test lint demo bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/feedd run --config $(CONFIG)

test: $(STAMP)
	$(VENV)/bin/ruff check feedd tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check feedd tests benchmarks
	$(VENV)/bin/mypy

demo: $(STAMP)
	$(PY) -m tests.portal.demo

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) benchmarks/extract.py
	$(PY) benchmarks/discover.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: crash-loop

# kill -9 at random moments during `feedd once`, 200 times (the default suite does 15)
crash-loop: $(STAMP)
	FEEDD_CRASH_ITERATIONS=200 $(VENV)/bin/pytest -q -s tests/test_crash.py -k crash_loop
