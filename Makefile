# vnetmap — build, test, demo. `make test` is what CI runs (.ci/run).

# go.mod asks for Go 1.27.3 (the standard library's security fixes); with
# GOTOOLCHAIN set, an older go command (this machine kind's is 1.26.8, and its
# default is GOTOOLCHAIN=local) fetches that toolchain from the Go module proxy
# once and runs it. Every recipe and script below inherits it.
export GOTOOLCHAIN := go1.27.3

GO      ?= go
BIN     ?= ./vnetmap
PKGS    ?= ./...
TESTFLAGS ?= -race -count=1 -timeout 12m

.PHONY: build ui test demo deps bench vet fuzz vulncheck clean

# build builds the web UI (web/, into internal/web/dist/ui) and then the
# binary, which embeds it. `go build ./cmd/vnetmap` alone works too: that
# binary serves a page saying the UI is not built.
build: ui
	$(GO) build -o $(BIN) ./cmd/vnetmap

# ui installs the front-end's npm packages from the lock file (when it
# changed) and builds the bundle (Node.js 20 and npm).
ui: web/node_modules/.package-lock.json
	cd web && npm run build

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

# deps installs what the tests need and starts the local PostgreSQL if it is down.
deps:
	./scripts/deps.sh

# test builds the UI first: the browser tests (cmd/vnetmap TestUI) drive the
# bundle embedded in the test binary. Every package runs under the race
# detector but cmd/vnetmap, whose end-to-end tests start vnetmap processes
# (the test binary itself), simulated data centers, PostgreSQL schemas and a
# browser: instrumented, they took longer than the time budget; the code they
# drive is race-tested in its own packages. The two runs go side by side.
E2E     ?= ./cmd/vnetmap
E2EFLAGS ?= -count=1 -timeout 12m
test: deps ui
	cd web && npm test
	$(GO) vet $(PKGS)
	$(GO) test $(TESTFLAGS) $$($(GO) list $(PKGS) | grep -v '/cmd/vnetmap$$') & race=$$!; \
	$(GO) test $(E2EFLAGS) $(E2E); e2e=$$?; \
	wait $$race; race=$$?; \
	test $$race -eq 0 && test $$e2e -eq 0

demo: build
	$(BIN) demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs every fuzz target briefly (FUZZTIME each).
FUZZTIME ?= 20s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# vulncheck runs govulncheck on every package against the Go vulnerability
# database built from the golang.org/x/vulndb module on the Go module proxy
# (vuln.go.dev itself is out of reach here); exit code 3 means a reachable
# vulnerability. See scripts/vulncheck.sh and docs/security.md.
vulncheck:
	./scripts/vulncheck.sh

clean:
	rm -f $(BIN) vnetmap.db vnetmap.db-wal vnetmap.db-shm
	rm -rf internal/web/dist/ui web/test-results
