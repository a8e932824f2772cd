#!/usr/bin/env bash
# Builds the Hyperledger Fabric binaries (peer, orderer, configtxgen, cryptogen,
# osnadmin) from Go modules into ~/.cache/crossgate/fabric-<version>/bin, and
# copies the module's sampleconfig next to them. Idempotent: a complete cache is
# reused, so only the first run on a machine pays for the build.
#
# Fabric's module path has no /v2 suffix, so `go install ...@v2.5.x` is
# refused; we pin the release tag's commit by its pseudo-version instead.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

CACHE_DIR="${CROSSGATE_FABRIC_CACHE:-$HOME/.cache/crossgate/fabric-$FABRIC_VERSION}"
BIN_DIR="$CACHE_DIR/bin"
BINARIES=(peer orderer configtxgen cryptogen osnadmin)

complete() {
  for b in "${BINARIES[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
  [[ -f "$CACHE_DIR/sampleconfig/core.yaml" && -f "$CACHE_DIR/.complete" ]]
}

if complete; then
  echo "fabric $FABRIC_VERSION: cached in $CACHE_DIR"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go toolchain not found on PATH" >&2; exit 1; }

start=$(date +%s)
mkdir -p "$BIN_DIR"
echo "fabric $FABRIC_VERSION: building into $BIN_DIR (module $FABRIC_MODULE@$FABRIC_PSEUDO_VERSION)"

# Module source (for sampleconfig/) — also primes the module cache for the build.
src_dir=$(go mod download -json "$FABRIC_MODULE@$FABRIC_PSEUDO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -n "$src_dir" && -d "$src_dir/sampleconfig" ]] || { echo "build.sh: module source not found" >&2; exit 1; }
rm -rf "$CACHE_DIR/sampleconfig"
cp -r "$src_dir/sampleconfig" "$CACHE_DIR/sampleconfig"
chmod -R u+w "$CACHE_DIR/sampleconfig"

ldflags="-X $FABRIC_MODULE/common/metadata.Version=$FABRIC_VERSION -X $FABRIC_MODULE/common/metadata.CommitSHA=$FABRIC_COMMIT"

# Built inside the module's own source tree: its go.mod/go.sum pin exactly the
# release's dependencies. (`go install pkg@version` would also work in
# principle, but it queries the module's version list for deprecations, which
# some proxies refuse.) One binary at a time keeps memory bounded; the shared
# build cache makes the later ones cheap.
for b in "${BINARIES[@]}"; do
  t0=$(date +%s)
  (cd "$src_dir" && GOFLAGS="-buildvcs=false -mod=mod" go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$b" "./cmd/$b")
  echo "  built $b in $(( $(date +%s) - t0 ))s"
done

date -u +%FT%TZ > "$CACHE_DIR/.complete"
echo "fabric $FABRIC_VERSION: build finished in $(( $(date +%s) - start ))s"
