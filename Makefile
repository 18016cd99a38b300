# The two commands of the README, plus what maintainers of Open edX plugins expect.
.DEFAULT_GOAL := help
PYTHON := $(shell scripts/find-python)
DEMO_VENV := .venv
TEST_VENV := .venv-test
BUILD_VENV := .venv-build
PORT ?= 8000
PIP_FLAGS := --disable-pip-version-check -q
export DJANGO_SETTINGS_MODULE := devhost.settings

help: ## list the targets
	@grep -E '^[a-z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(DEMO_VENV)/.installed: setup.py requirements/constraints.txt requirements/django.txt requirements/demo.txt
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/pip install $(PIP_FLAGS) -c requirements/constraints.txt -r requirements/django.txt -r requirements/demo.txt .
	rm -rf build
	touch $@

$(TEST_VENV)/.installed: setup.py requirements/constraints.txt requirements/django.txt requirements/test.txt
	scripts/system-deps
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install $(PIP_FLAGS) -c requirements/constraints.txt -r requirements/django.txt -r requirements/test.txt .
	rm -rf build
	touch $@

demo: $(DEMO_VENV)/.installed ## install, seed a learner, a tutor and a session starting in 2 minutes, serve on :8000 (PORT=8001 for another)
	@$(DEMO_VENV)/bin/python scripts/check-port $(PORT)
	$(DEMO_VENV)/bin/python -m django migrate --run-syncdb -v 0
	$(DEMO_VENV)/bin/python -m django seed_demo --base-url http://127.0.0.1:$(PORT)
	$(DEMO_VENV)/bin/python -m django runserver 127.0.0.1:$(PORT)

demo-media: $(DEMO_VENV)/.installed ## the demo with local fake BBB and plugNmeet servers: one session on each (own database)
	PORT=$(PORT) scripts/demo-media $(DEMO_VENV)/bin/python

test: $(TEST_VENV)/.installed ## install everything and run every test: lint, SQLite, MariaDB, Celery worker, browsers
	scripts/run-tests $(TEST_VENV)/bin/python

test-lms-host: $(TEST_VENV)/.installed ## only the browser tests in the LMS-like host (MFE frame, LMS settings); needs root
	unshare -n sh -c 'ip link set lo up && DJANGO_SETTINGS_MODULE=devhost.settings_lms \
	  exec $(TEST_VENV)/bin/python -m pytest -m browser tests/browser/test_lms_host.py -q -p no:cacheprovider'

quality: $(TEST_VENV)/.installed ## ruff lint and format check, migrations up to date
	$(TEST_VENV)/bin/ruff check .
	$(TEST_VENV)/bin/ruff format --check .
	$(TEST_VENV)/bin/python -m django makemigrations sessionroom_xblock --check --dry-run

benchmarks: $(TEST_VENV)/.installed ## print the benchmark figures (not timed tests); the p2p one runs on loopback only
	for bench in benchmarks/bench_room.py benchmarks/bench_provider_join.py benchmarks/bench_reminder_sweep.py; do \
	  echo "== $$bench"; $(TEST_VENV)/bin/python $$bench || exit 1; done
	echo "== benchmarks/bench_p2p_join.py"
	if [ "$$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then \
	  unshare -n sh -c 'ip link set lo up && exec $(TEST_VENV)/bin/python benchmarks/bench_p2p_join.py'; \
	else echo "skipped: needs root for a private network namespace (media must stay on loopback)"; fi

$(BUILD_VENV)/.installed: requirements/constraints.txt requirements/build.txt
	$(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/pip install $(PIP_FLAGS) -c requirements/constraints.txt -r requirements/build.txt
	touch $@

dist: $(BUILD_VENV)/.installed ## build the sdist and the wheel (from the sdist) into dist/: what operators install (docs/install.md)
	rm -rf dist build
	$(BUILD_VENV)/bin/python -m build --outdir dist .
	rm -rf build *.egg-info
	ls dist

clean: ## remove virtualenvs, build output and the dev host's data
	rm -rf $(DEMO_VENV) $(TEST_VENV) build dist *.egg-info var artifacts .tox

.PHONY: help demo demo-media test test-lms-host quality benchmarks dist clean

extract_translations: $(TEST_VENV)/.installed ## extract every string (templates, Python, JS) into translations/en and merge into other languages
	$(TEST_VENV)/bin/python scripts/i18n.py extract

compile_translations: $(TEST_VENV)/.installed ## compile text.mo (Python, templates) and textjs.mo (scripts) for every language
	$(TEST_VENV)/bin/python scripts/i18n.py compile

check_translations: $(TEST_VENV)/.installed ## fail when a shipped language has untranslated or fuzzy strings
	$(TEST_VENV)/bin/python scripts/i18n.py check

.PHONY: extract_translations compile_translations check_translations
