# The two commands of the README: `make demo` and `make test`. Both set up what is missing
# (scripts/setup.sh) and are fast when everything is in place.
PYTHON := .venv/bin/python
export QT_QPA_PLATFORM := offscreen

.PHONY: setup demo test package clean

setup:
	@bash scripts/setup.sh

demo: setup
	@bash demo/run_demo.sh

test: setup
	@$(PYTHON) -m pytest -q tests

package: setup
	@$(PYTHON) scripts/package.py dist

clean:
	rm -rf .build .venv demo/output dist .pytest_cache
