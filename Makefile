# Two commands are the contract: `make video` and `make test`. Each does its own set-up,
# idempotently: system packages (apt-get), a virtualenv with pinned Python packages, then the job.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip's notes about this machine's optional local indexes are noise: keep them out of the log
QUIET_PIP := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray
# Debian/Ubuntu packages: cairo + pango headers for pycairo/manimpango, a minimal TeX Live for MathTex;
# espeak-ng (the offline voice, --voice synth); chromium and poppler-utils (the tests open the slides
# page in a headless browser and read the PDF slides' pages); fontconfig's fc-list and fonts for scripts
# DejaVu Sans lacks: fonts-noto-core (Arabic, Hebrew, Indic, Thai, ...; 43 MB) and fonts-wqy-microhei
# (Chinese, Japanese kana, Korean; 5 MB), so a pair file in those scripts draws words, not boxes.
SYSTEM_PACKAGES := build-essential pkg-config libcairo2-dev libpango1.0-dev \
	texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm cm-super-minimal \
	espeak-ng chromium poppler-utils \
	fontconfig fonts-noto-core fonts-wqy-microhei
# reveal.js for offline slides pages, pinned in the script, from the npm registry
REVEAL := vendor/reveal.js/package.json
# A local wheel directory (if present) supplies the CPU build of torch.
PIP_LOCAL := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: all setup system video test check lint clean-setup
all: video

setup: system $(STAMP) $(REVEAL)

# dpkg is asked every time (a fraction of a second); apt-get runs only for what is missing
system:
	@bash tools/install_system_packages.sh $(SYSTEM_PACKAGES)

$(STAMP): requirements.txt pyproject.toml | system
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_LOCAL) -r requirements.txt $(QUIET_PIP)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . $(QUIET_PIP)
	@touch $@

# Ray is optional (pip install .[ray]); the tests need it, so the test set-up installs it
$(RAY_STAMP): requirements-ray.txt | $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_LOCAL) -r requirements-ray.txt $(QUIET_PIP)
	@touch $@

$(REVEAL): tools/fetch_revealjs.sh | system
	@bash tools/fetch_revealjs.sh

# the film narrated by the offline neural voice (render.py film without --voice: the silent clips)
video: setup
	$(PY) render.py film --quality high --out media --voice neural

# CI runs `make test`, so the linter and the type check are enforced there too. Two pytest workers
# (pytest-xdist), one per core; with --dist loadgroup each test file is one group (tests/conftest.py),
# so its module fixtures (trained models, servers) are made once, and each scene of test_scenes.py is
# a group of its own, handed out first, so the renders are shared between the workers.
TEST_WORKERS ?= 2
test: lint $(RAY_STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=20

# The fast tier while you work: lint, the unit tests and one scene at 320x180 (`-m "not slow"`)
check: lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder -m "not slow"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

clean-setup:
	rm -rf $(VENV) vendor
