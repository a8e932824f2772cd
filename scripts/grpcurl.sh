#!/usr/bin/env bash
# Builds grpcurl, the third-party gRPC client the end-to-end tests drive the gRPC door with, from its
# Go module (github.com/fullstorydev/grpcurl) into ~/.cache/crossgate/grpcurl-<version>/bin, and prints
# the binary's path. Idempotent: a cached binary is reused (about a minute to build on 2 cores).
set -euo pipefail
GRPCURL_VERSION="${CROSSGATE_GRPCURL_VERSION:-v1.9.4}"
CACHE_DIR="${CROSSGATE_GRPCURL_CACHE:-$HOME/.cache/crossgate/grpcurl-$GRPCURL_VERSION}"
bin="$CACHE_DIR/bin/grpcurl"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "grpcurl: Go is needed to build grpcurl $GRPCURL_VERSION" >&2; exit 1; }
  staging="$CACHE_DIR/bin.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  echo "grpcurl $GRPCURL_VERSION: building from the Go module proxy" >&2
  GOBIN="$staging" GOFLAGS=-mod=mod go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >&2
  # Moved into place only once complete: an interrupted build is never taken for a cached one.
  mkdir -p "$CACHE_DIR/bin"
  mv "$staging/grpcurl" "$bin"
  rm -rf "$staging"
fi
echo "$bin"
