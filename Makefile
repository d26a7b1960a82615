# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is a building block of those two.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
SAMPLE_POSTS := sample_posts

.PHONY: run test fuzz bench venv venv-test migrate static sample lint test-sqlite test-postgres clean

## make run: install, migrate, collect static files, load the sample posts, serve on :8000
## It prints where the page cache lives (NEWSROOM_CACHE_DIR, default var/cache/, or
## CACHE_URL): the site's user must be able to write it, or published
## changes stay hidden behind cached pages (migrate's system check newsroom.E001 says so).
run: venv migrate static sample
	@$(MANAGE) shell -v 0 -c "from pagecache import store; print('页面缓存保存在', store.describe())"
	$(VENV)/bin/gunicorn -c gunicorn.conf.py newsroom.wsgi

## make test: lint, checks, then the whole suite on SQLite and again on PostgreSQL
test: venv-test
	scripts/ensure-system-deps
	$(MAKE) --no-print-directory lint
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

## make fuzz: only the property (Hypothesis) tests, at random and with many more examples.
## `make test` runs them derandomized (the "ci" profile in tests/conftest.py); this looks
## for new failures. A failure prints a blob: @reproduce_failure replays it.
fuzz: venv-test
	HYPOTHESIS_PROFILE=fuzz env -u DATABASE_URL $(VENV)/bin/pytest -m hypothesis $(PYTEST_ARGS)

## make bench: the benchmarks of README "Performance" (installs wrk; takes over an hour)
## bench/newsroom exits 1 on a missed target: both of its runs go first, then make fails.
bench: venv
	scripts/ensure-system-deps
	$(PY) bench/import_bench.py 1000 10000
	$(PY) bench/serve --sizes 1000 100000
	scripts/with-services sh -c '$(PY) bench/serve --sizes 1000 100000 --redis "$$REDIS_URL"'
	status=0; $(PY) bench/newsroom || status=1; \
	scripts/with-services sh -c '$(PY) bench/newsroom --database postgres --redis "$$REDIS_URL"' \
	  || status=1; exit $$status

venv:
	@scripts/bootstrap-venv requirements.txt

venv-test:
	@scripts/bootstrap-venv requirements-test.txt

migrate:
	$(MANAGE) migrate --noinput

static:
	$(MANAGE) collectstatic --noinput -v0

sample:
	$(MANAGE) import_posts --quiet $(SAMPLE_POSTS) || test $$? -eq 1

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Both runs get a throwaway Redis (and the SQLite run ignores the PostgreSQL that
# scripts/with-services also starts), so the cache tests cover Redis on both.
# The browser journeys and the bench smoke test run once, on SQLite: what they check
# is the pages and scripts, the same on either database, while every test of what
# the database does (writes, locks, search plans, migrations, leaks, caching) runs
# on both. Together they kept `make test` over 20 minutes on two busy cores.
test-sqlite:
	scripts/with-services env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres:
	scripts/with-services $(VENV)/bin/pytest -m "not browser and not bench" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles artifacts .pytest_cache .hypothesis
