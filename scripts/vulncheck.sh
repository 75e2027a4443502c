#!/usr/bin/env bash
# vulncheck.sh runs govulncheck on ./... against a local copy of the Go
# vulnerability database, for machines that reach the Go module proxy but not
# the database's own site (vuln.go.dev). The proxy serves the database's
# source module, golang.org/x/vulndb, whose data/osv/ holds every OSV entry;
# that module's own cmd/indexdb turns the entries into the layout that
# govulncheck's `-db file://DIR` reads (index/db.json, index/modules.json,
# index/vulns.json, ID/GO-YYYY-NNNN.json). The built database is kept per
# vulndb version under the cache directory, so later runs only check that
# the version is still the newest.
#
# Environment:
#   VULNDB_VERSION        golang.org/x/vulndb version (default: latest)
#   GOVULNCHECK_VERSION   golang.org/x/vuln version (default below)
#   VULNDB_CACHE          where built databases are kept
#                         (default: $XDG_CACHE_HOME or ~/.cache, /vnetmap/vulndb)
# Arguments are passed to govulncheck in place of ./... (e.g. -show verbose ./...).
# The exit code is govulncheck's: 3 when a reachable vulnerability is found.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

# The toolchain this module builds with (GOTOOLCHAIN, go.mod) goes first in
# PATH: govulncheck asks `go` for the Go version with GO111MODULE=off, where
# the go command does not switch toolchains, and would otherwise type-check
# the standard library at the older language version and fail.
goroot=$(go env GOROOT)
export PATH="$goroot/bin:$PATH"

vulndb_version=${VULNDB_VERSION:-latest}
govulncheck_version=${GOVULNCHECK_VERSION:-v1.10.0}
cache=${VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vnetmap/vulndb}
mkdir -p "$cache"

# The tool and data modules are resolved outside this module, so that neither
# this module's go.mod nor its go.sum is touched.
version=$(cd "$cache" && go list -m -f '{{.Version}}' "golang.org/x/vulndb@$vulndb_version")
db="$cache/$version"
if [ ! -f "$db/index/db.json" ]; then
  echo "vulncheck: building the database from golang.org/x/vulndb@$version" >&2
  src=$(cd "$cache" && go mod download -json "golang.org/x/vulndb@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ ! -d "$src/data/osv" ]; then
    echo "vulncheck: golang.org/x/vulndb@$version has no data/osv" >&2
    exit 1
  fi
  rm -rf "$db.tmp"
  (cd "$cache" && go run "golang.org/x/vulndb/cmd/indexdb@$version" -vulns "$src/data/osv" -out "$db.tmp")
  mv "$db.tmp" "$db"
fi

# Installed rather than run with `go run`, which would turn govulncheck's exit
# code 3 into 1; one build per Go version, as govulncheck type-checks the
# standard library with the go/types it was built with.
goversion=$(go env GOVERSION)
bin="$cache/govulncheck-$govulncheck_version-$goversion"
if [ ! -x "$bin/govulncheck" ]; then
  (cd "$cache" && GOBIN="$bin" go install "golang.org/x/vuln/cmd/govulncheck@$govulncheck_version")
fi

echo "vulncheck: $goversion, vulndb $version ($(ls "$db/ID" | grep -c '\.json$') entries), govulncheck $govulncheck_version" >&2
[ $# -gt 0 ] || set -- ./...
exec "$bin/govulncheck" -db "file://$db" "$@"
