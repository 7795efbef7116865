# Two commands are the contract: `make video` and `make test`. Each does its own set-up,
# idempotently: system packages (apt-get), a virtualenv with pinned Python packages, then the job.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
# Debian/Ubuntu packages: cairo + pango headers for pycairo/manimpango, a minimal TeX Live for MathTex.
SYSTEM_PACKAGES := build-essential pkg-config libcairo2-dev libpango1.0-dev \
	texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm cm-super-minimal
# A local wheel directory (if present) supplies the CPU build of torch.
PIP_LOCAL := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: all setup video test clean-setup
all: video

setup: $(STAMPS)/system $(STAMPS)/venv

$(STAMPS)/system:
	@bash tools/install_system_packages.sh $(SYSTEM_PACKAGES)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: requirements.txt pyproject.toml $(STAMPS)/system
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_LOCAL) -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@mkdir -p $(STAMPS) && touch $@

video: setup
	$(PY) render.py render all --quality high --out media

test: setup
	$(PY) -m pytest -q

clean-setup:
	rm -rf $(VENV) $(STAMPS)
