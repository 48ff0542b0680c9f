# Two commands set everything up on a fresh machine:
#   make run   - create .venv, install, run the main job: the default experiment (every policy
#                scenario x 30 seeds) into results/default/, its figures and its HTML report
#   make test  - create .venv, install, run the whole suite
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# A Python >= 3.12: the first of these that is one (pyenv honours .python-version for `python3`).
CANDIDATES := python3.14 python3.13 python3.12 python3 python

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  found=""; seen=""; \
	  for c in $(CANDIDATES); do \
	    command -v $$c >/dev/null 2>&1 || continue; \
	    v=$$($$c -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue; \
	    seen="$$seen $$c=$$v"; \
	    if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then found=$$c; break; fi; \
	  done; \
	  if [ -z "$$found" ]; then \
	    echo "error: this project needs Python >= 3.12 (Mesa 3.5 requires it); found:$${seen:- no python}" >&2; \
	    echo "       install one (pyenv install 3.12, or your system's python3.12) and run make again" >&2; \
	    exit 2; \
	  fi; \
	  echo "creating $(VENV) with $$found ($$($$found --version))"; \
	  $$found -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install --quiet -e ".[dev,cluster,viz,calibrate]"; \
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/escalation batch experiments/default.toml --out results/default
	$(VENV)/bin/escalation plot results/default --kind all --out results/default/figures
	$(VENV)/bin/escalation report results/default

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/model_step.py
	$(PY) benchmarks/batch_throughput.py

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
