# LMRL — the two commands of the README are `make book` and `make test`; both install first.
PYTHON ?= python3
PIP_INSTALL = $(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
JOBS ?= 2

PAGES_REMOTE ?= origin
PAGES_BRANCH ?= gh-pages
SITE ?= _build/html

.PHONY: install book serve publish publish-site linkcheck test test-fast test-chapter release check-release lint bench clean

install:
	$(PIP_INSTALL)

# Build the book (narrative pages are executed, results cached in _build/.jupyter_cache).
book: install
	@echo "Building the book: Sphinx prints 'reading sources... [ n%] <page>' for each page and times every page it"
	@echo "executes. The first build runs every narrative page and trains the cached models (see the README for"
	@echo "measured times); later builds reuse _build/.jupyter_cache and \$$LMRL_CACHE."
	$(PYTHON) -m lmrl_utils.book_cache _build
	$(PYTHON) -m lmrl_utils.lm.pretrained
	jupyter-book build . -W -n --keep-going
	@echo "Open file://$(CURDIR)/_build/html/index.html  (or run 'make serve' for http://localhost:8000)"

serve: book
	$(PYTHON) -m http.server 8000 --directory _build/html

# Publish the book as a static site: build it, then commit _build/html to the branch $(PAGES_BRANCH) (gh-pages)
# and push it to $(PAGES_REMOTE) (origin), which GitHub Pages (or any static host reading a branch) serves.
publish: book
	$(MAKE) publish-site

# Only the commit and push of an already built site (ghp-import; a .nojekyll file keeps the _static/ folder).
publish-site:
	@test -f "$(SITE)/index.html" || (echo "no built site in $(SITE): run 'make book' first" && exit 2)
	$(PYTHON) -m ghp_import --no-jekyll --push --force --no-history --remote $(PAGES_REMOTE) \
		--branch $(PAGES_BRANCH) --message "Publish the LMRL book" $(SITE)

# The web links the book cites, checked by Sphinx (needs the network, so not part of `make test`).
linkcheck: install
	jupyter-book build . --builder linkcheck

# The whole test suite: unit tests, the book build, end-to-end grading (which runs every solution notebook).
test: install
	$(PYTHON) -m pytest -n $(JOBS) --dist loadgroup

# Quick checks while writing: no book build, no nbgrader round trips, no notebook runs (about a minute).
test-fast: install
	$(PYTHON) -m pytest -n $(JOBS) --dist loadgroup -m "not slow"

# One chapter alone: its unit tests, pages, instructor notebooks, release and nbgrader round trip, e.g.
# `make test-chapter CH=04_mdp` (the general fast checks run too; see tests/conftest.py).
test-chapter: install
	@test -n "$(CH)" || (echo "usage: make test-chapter CH=04_mdp" && exit 2)
	$(PYTHON) -m pytest -n $(JOBS) --dist loadgroup --chapter $(CH)

# Regenerate the student notebooks in chapters/ from solutions/ with nbgrader.
release: install
	$(PYTHON) -m lmrl_utils.release

check-release:
	$(PYTHON) -m lmrl_utils.release --check

lint:
	$(PYTHON) -m ruff check lmrl_utils tests bench .ci nbgrader_config.py

# Run times of every notebook and page: bench/timings.csv (landing page) and bench/results/ (appendix).
bench: install
	$(PYTHON) bench/time_notebooks.py --write

# Every benchmark the Benchmarks appendix shows, each writing bench/results/<script>.json (about an hour on
# 2 cores). Each ratio is measured against its reference in the same run, so a loaded machine still gives fair ones.
bench-all: bench
	$(PYTHON) bench/bpe_speed.py --sizes 500 1000 --naive-max 1000 --repeats 3 --write
	$(PYTHON) bench/nanogpt_baseline.py --seconds 60 --repeats 3 --write
	$(PYTHON) bench/reinforce_cartpole.py --seeds 5 --write
	$(PYTHON) bench/grading_speed.py all --copies 2 --write

clean:
	rm -rf _build release submitted autograded feedback gradebook.db
