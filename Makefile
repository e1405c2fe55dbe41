# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-all

.PHONY: run quick test lint lock clean browser-deps js-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the project metadata changes. `make run` needs the frameworks only
# (`.[all]`); `make test` adds the dev tools and `ray` (for the two-node cluster tests,
# tests/integration/test_ray_cluster.py) on top.
# pip compiles the bytecode one file at a time; compileall -j 0 uses every core (100 s -> 80 s
# here). The .pyc files matter for the first study: workers write them at their first import,
# but a first `stackpick run` without them took 166 s instead of 144 s. The packages only the
# on-device backends import (ExecuTorch, LiteRT's converters and what they pull in) and pip are
# left to that first import: 22 s instead of 32 s here, and the default study imports none of them.
RUN_STAMP := $(VENV)/.installed-run
TEST_EXTRAS := all,dev,ray
NOT_PRECOMPILED := /site-packages/(executorch|transformers|coremltools|torchao|xdsl|litert_torch|ai_edge_[a-z_]+|pip)/
define install
	$(PY) -m pip install --quiet --no-compile -e ".[$(1)]" -c constraints.txt
	$(PY) -m compileall -q -j 0 -x '$(NOT_PRECOMPILED)' $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') >/dev/null || true
	touch $@
endef

$(RUN_STAMP): pyproject.toml constraints.txt | $(PY)
	$(call install,all)

$(STAMP): $(RUN_STAMP)
	$(call install,$(TEST_EXTRAS))

# Re-pin constraints.txt from the installed venv (after changing dependencies in pyproject).
lock: $(STAMP)
	{ sed -n '1,3p' constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^stackpick'; } > constraints.tmp
	mv constraints.tmp constraints.txt

# The browser backends' JavaScript runtimes, pinned in package-lock.json (npm ci writes
# node_modules/.package-lock.json). Without npm the browser cells are `unavailable`.
NODE_STAMP := node_modules/.package-lock.json
js-deps: $(NODE_STAMP)
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "note: npm not found (apt-get install -y npm); browser backends will be unavailable"; fi

run: $(RUN_STAMP) js-deps
	$(VENV)/bin/stackpick run --defaults

quick: $(RUN_STAMP) js-deps
	$(VENV)/bin/stackpick run --defaults --quick

# Chromium drives the HTML report's browser test; installing it is best effort
# (the test skips with the reason when it is missing).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "note: chromium not installed and not root; browser tests will be skipped"; fi; \
	fi

test: $(STAMP) browser-deps js-deps
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy  # the files and strictness are in pyproject.toml [tool.mypy]
	$(PY) -m pytest -n auto  # one test per core: most of the time is framework start-up

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) node_modules build dist src/*.egg-info .pytest_cache .ruff_cache
