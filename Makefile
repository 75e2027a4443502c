# vnetmap — build, test, demo. `make test` is what CI runs (.ci/run).
GO      ?= go
BIN     ?= ./vnetmap
PKGS    ?= ./...
TESTFLAGS ?= -race -count=1 -timeout 12m

.PHONY: build test demo deps bench vet fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/vnetmap

# deps installs what the tests need and starts the local PostgreSQL if it is down.
deps:
	./scripts/deps.sh

test: deps
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
