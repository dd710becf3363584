# konform: make help lists the targets.
GO      ?= go
BIN     := bin/konform
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/konform/konform/internal/cli.Version=$(VERSION)

.DEFAULT_GOAL := help
.PHONY: help run test build certs lint docs bench interop browser tools fuzz mutants

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST) | awk -F': ' '{printf "  make %-8s %s\n", $$1, $$2}'

## run: build konform and run the bundled test pack against the built-in NLL simulator
run: build
	./$(BIN) run --sut ref

## test: check formatting and go vet, install the npm peers and chromium, then run every test with the race detector (the whole pack, concurrent and shuffled; the simulator's bodies validated by @medplum/core; the report rendered in chromium)
test: lint interop/node_modules browser tools
	KONFORM_REQUIRE_NODE=1 KONFORM_REQUIRE_BROWSER=1 KONFORM_REQUIRE_TOOLS=1 $(GO) test -race -count=1 ./...

# Debian's chromium renders report.html in the tests.
browser:
	@command -v chromium >/dev/null || { echo "installing chromium (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# curl and jq run examples/sut-command, the command driver's example system.
tools:
	@command -v curl >/dev/null && command -v jq >/dev/null || { echo "installing curl and jq (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl jq >/dev/null; }

# The independent FHIR peers (validator and interop server) from the npm registry.
interop/node_modules: interop/package.json interop/package-lock.json
	cd interop && npm ci --no-audit --no-fund
	@touch $@

## build: build bin/konform
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/konform

## certs: write the dev PKI to certs/ (konform run also does this when it is missing)
certs: build
	./$(BIN) certs

## lint: fail on unformatted code, go vet or staticcheck findings, or an untidy go.mod
lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...
	$(GO) mod tidy -diff

## fuzz: run every fuzz target (parsers of outside input) for FUZZTIME each (default 30s); make test runs their corpora
FUZZTIME ?= 30s
fuzz:
	@set -e; for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./third_party/'); do \
	  pkg=./$$(dirname $${file#./}); \
	  for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## mutants: break the simulator in each way of its defect catalogue, run the whole pack against each, and report how many the pack catches (docs/simulator.md, Defect catalogue)
mutants:
	KONFORM_MUTANTS=all $(GO) test -count=1 -run '^TestDefectCatalogue$$' -v -timeout 30m ./internal/run/

## docs: regenerate docs/steps.md (the step vocabulary) and docs/templates.md (the bundled templates)
docs:
	$(GO) test ./steps -run 'TestStepReferenceIsCurrent|TestTemplateReferenceIsCurrent' -update

## interop: run the generic scenarios against an independent FHIR server (@medplum/fhir-router, mutual TLS, loopback)
interop: build interop/node_modules
	interop/run.sh

## bench: measure make run's wall time, the in-process run, and reads/searches per second of the simulator and the interop peer (figures go in docs/performance.md)
bench: build interop/node_modules
	bench/run.sh
	$(GO) test -run '^$$' -bench . -benchtime 20x ./internal/run/
	$(GO) test -run '^$$' -bench . -benchtime 3s ./bench/
