# Exchange Support Desk — developer commands. `make help` lists them.
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REQUIREMENTS := $(wildcard requirements*.txt)

PYTEST_ARGS ?=
BENCH_ARGS ?=
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/support_desk_bench
# makemessages wants the locale *name* (zh_Hans); Django's language code is zh-hans.
LOCALES ?= zh_Hans
# Folders that are not ours: never scanned for messages or compiled.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=staticfiles --ignore=node_modules

.DEFAULT_GOAL := help
.PHONY: help venv run serve test lint format migrations-check bench messages clean distclean

help:
	@echo "make run               install, migrate, seed demo data, start web + worker + beat (Ctrl-C stops; PORT=8001, SITE_URL defaults to http://localhost:\$$PORT)"
	@echo "make serve             the production web server alone: gunicorn -c gunicorn.conf.py (settings from DJANGO_SETTINGS_MODULE)"
	@echo "make test              run the test suite (PYTEST_ARGS='-k claim -x' passes options)"
	@echo "make lint              ruff check + ruff format --check"
	@echo "make format            ruff format + ruff check --fix"
	@echo "make migrations-check  fail when a model change has no migration"
	@echo "make bench             bench/queue_and_create.py on PostgreSQL (BENCH_ARGS='--tickets 10000'; DATABASE_URL, default $(BENCH_DATABASE_URL))"
	@echo "make messages          makemessages -l $(LOCALES) + compilemessages (commit the .po and .mo)"
	@echo "make venv              create .venv and install requirements-dev.txt (again only when requirements change)"
	@echo "make clean             remove caches, collected static files, logs, mail and the local broker"
	@echo "make distclean         clean + remove .venv and var/ (the SQLite database too)"

venv: $(STAMP)

# Re-installs only when a requirements file is newer than the stamp scripts/venv.sh touches.
$(STAMP): $(REQUIREMENTS)
	bash scripts/venv.sh

run:
	bash scripts/run.sh

# The web server as production runs it (Dockerfile, docker-compose.yml): workers, threads, timeouts, the
# access log with request ids and the Prometheus multiprocess folder come from gunicorn.conf.py.
serve: $(STAMP)
	$(VENV)/bin/gunicorn -c gunicorn.conf.py support_desk.wsgi

test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

bench: $(STAMP)
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" $(PY) bench/queue_and_create.py $(BENCH_ARGS)

messages: $(STAMP)
	$(PY) manage.py makemessages $(foreach locale,$(LOCALES),-l $(locale)) $(I18N_IGNORE) --no-obsolete
	$(PY) manage.py makemessages -d djangojs $(foreach locale,$(LOCALES),-l $(locale)) $(I18N_IGNORE) --no-obsolete
	$(PY) manage.py compilemessages $(foreach locale,$(LOCALES),-l $(locale)) $(I18N_IGNORE)
	@$(PY) scripts/check_translations.py || \
		echo "Translate the entries above in locale/zh_Hans/LC_MESSAGES/django.po, then run 'make messages' again."

clean:
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .coverage htmlcov staticfiles
	rm -rf var/log var/mail var/celery var/test-media

distclean: clean
	rm -rf $(VENV) var
