# vnetmap — build, test, demo. `make test` is what CI runs (.ci/run).
GO      ?= go
BIN     ?= ./vnetmap
PKGS    ?= ./...
TESTFLAGS ?= -race -count=1 -timeout 12m

.PHONY: build ui test demo deps bench vet fuzz clean

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
# bundle embedded in the test binary.
test: deps ui
	cd web && npm test
	$(GO) vet $(PKGS)
	$(GO) test $(TESTFLAGS) $(PKGS)

demo: build
	$(BIN) demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs every fuzz target briefly (FUZZTIME each).
FUZZTIME ?= 20s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -f $(BIN) vnetmap.db vnetmap.db-wal vnetmap.db-shm
	rm -rf internal/web/dist/ui web/test-results
