# The README's two commands: `make run` and `make test`.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTHON  ?= python3
EXAMPLE := examples/crm_notes

.PHONY: run test install translations catalog screenshots clean bench

# The CRM's own plugins (the crm.plugins entry points of setup.cfg). The example plugin, installed
# for the tests, stays off in the demo unless asked for: make run CRM_PLUGINS=basedata,customers,notes
BUILTIN_PLUGINS := $(shell awk '/^crm.plugins =/{f=1;next} f&&/^[^ \t]/{f=0} f&&NF{split($$0,a,"=");gsub(/[ \t]/,"",a[1]);printf "%s%s",s,a[1];s=","}' setup.cfg)
run: export CRM_PLUGINS ?= $(BUILTIN_PLUGINS)

# The web server and a job queue worker beside it; Ctrl-C (or the server ending) stops both.
run: install translations
	$(BIN)/crm init --demo
	@echo "CRM on http://127.0.0.1:5000 (demo logins above; password demo1234; plugins $$CRM_PLUGINS)"
	$(BIN)/crm worker & worker=$$!; trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/crm run --host 127.0.0.1 --port 5000

# The whole suite on SQLite, then again on PostgreSQL when CRM_TEST_DATABASE_URL is set; TEST_WORKERS
# processes each (pytest-xdist; each has its own database and job queue, see core/testing.py).
TEST_WORKERS ?= 2
test: install translations
	env -u CRM_TEST_DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS)
	@if [ -n "$$CRM_TEST_DATABASE_URL" ]; then \
		echo "--- again on $$CRM_TEST_DATABASE_URL"; \
		$(BIN)/pytest -n $(TEST_WORKERS); \
	fi

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml $(wildcard $(EXAMPLE)/setup.cfg)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	if [ -d $(EXAMPLE) ]; then $(BIN)/pip install --quiet -e $(EXAMPLE); fi
	touch $(STAMP)

# Compile every zh_CN catalog (core, plugins, example plugin) to .mo files.
translations: install
	@find core plugins examples -name '*.po' -path '*LC_MESSAGES*' | while read po; do \
		$(BIN)/pybabel compile -i "$$po" -o "$${po%.po}.mo" -l zh_CN >/dev/null || exit 1; \
	done

# Refresh one zh_CN catalog after adding strings, then translate the new entries:
#   make catalog C=core   |   make catalog C=plugins/customers   |   make catalog C=examples/crm_notes/crm_notes
catalog: install
	@test -n "$(C)" || { echo "usage: make catalog C=core|plugins/NAME"; exit 2; }
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o $(VENV)/messages.pot $(if $(filter core,$(C)),core templates,$(C))
	if [ -f $(C)/translations/zh_CN/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(VENV)/messages.pot -d $(C)/translations -l zh_CN; \
	else \
		$(BIN)/pybabel init -i $(VENV)/messages.pot -d $(C)/translations -l zh_CN; \
	fi

# Benchmarks (bench/README.md): fills a database of SIZE customers on DB (sqlite|postgresql) once, then
# measures the CRM under gunicorn beside a bare-Flask floor. PostgreSQL: CRM_BENCH_POSTGRESQL (server URL).
SIZE ?= 10000
DB   ?= sqlite
BENCH_ARGS ?=
bench: install translations
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; } || \
		echo "wrk is missing (apt-get install wrk): throughput is skipped"
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --size $(SIZE) --db $(DB) $(BENCH_ARGS)

# Screenshots of the main pages in headless Chromium (needs Debian's chromium package).
screenshots: install translations
	$(BIN)/python -m tests.browser.screenshots

clean:
	rm -rf $(VENV) instance
