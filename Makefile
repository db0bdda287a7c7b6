# phenorag: the two commands the README gives are `make demo` and `make test`.

GO        ?= go
OLLAMA_BIN = $(CURDIR)/.cache/ollama/bin/ollama
# The tiny test model lives in the shared folder beside the checkout.
TEST_MODEL ?= $(firstword $(wildcard $(abspath $(CURDIR)/../shared/models/stories260K.gguf) \
	/work/shared/models/stories260K.gguf))
DEMO_OUT  ?= out/demo

.PHONY: all build test check unit race integration parquet ollama demo demo-offline bench bench-scale clean

all: build

build:
	$(GO) build -o bin/phenorag ./cmd/phenorag

# test is what CI runs: formatting, vet, the unit tests under the race
# detector, the integration tests against a real Ollama server, and DuckDB
# reading the Parquet diagnoses back.
test: check race integration parquet

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./...

unit:
	$(GO) test ./...

race:
	$(GO) test -race -timeout 30m ./...

# parquet opens a diagnoses.parquet written by the diagnose package in
# DuckDB (installed from npm into a cache folder) and checks that it holds
# the same rows as the diagnoses.jsonl written beside it.
parquet:
	./scripts/check-parquet.sh

# ollama builds a real Ollama server from the Go module proxy (once; cached).
ollama:
	./scripts/ollama-build.sh

integration: ollama
	@[ -n "$(TEST_MODEL)" ] || echo "integration: stories260K.gguf not found beside the checkout;" \
		"the real-server tests will skip (set TEST_MODEL=/path/to/model.gguf)" >&2
	PHENORAG_OLLAMA_BIN=$(OLLAMA_BIN) PHENORAG_TEST_MODEL=$(TEST_MODEL) \
		$(GO) test -tags integration -run 'RealServer|Integration' -count=1 -timeout 30m ./...

# demo runs the whole pipeline on the bundled synthetic cohort against the
# Ollama server at OLLAMA_HOST (default 127.0.0.1:11434) and the model in
# PHENORAG_MODEL, and prints the evaluation beside the rules baseline.
demo: build
	PHENORAG_TEST_MODEL=$(TEST_MODEL) ./scripts/demo.sh $(DEMO_OUT)

# demo-offline builds and starts a private Ollama server with the tiny test
# model, for machines without Ollama. Its answers are meaningless.
demo-offline: build ollama
	./scripts/demo-offline.sh $(OLLAMA_BIN) $(TEST_MODEL) $(DEMO_OUT)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

# bench-scale measures every stage on a large synthetic cohort (default
# 100,000 patients, about a million notes; needs about 10 GB in SCALE_DIR).
PATIENTS  ?= 100000
SCALE_DIR ?= $(CURDIR)/out/scale
bench-scale: build
	$(GO) build -o bin/phenorag-scale ./cmd/phenorag-scale
	./bin/phenorag-scale --patients $(PATIENTS) --dir $(SCALE_DIR) --phenorag bin/phenorag

clean:
	rm -rf bin out
