#!/usr/bin/env bash
# The independent SM2/SM3 implementation the tests cross-check against (test/interop/gmsm, Go,
# github.com/emmansun/gmsm). `build` compiles it once per source version into
# ~/.cache/crossgate/gmsm-interop-<gmsm version>-<source hash>/; `path` prints the binary (building first).
set -euo pipefail
cd "$(dirname "$0")/.."
src=test/interop/gmsm
version="$(awk '$1 == "require" && $2 == "github.com/emmansun/gmsm" { print $3 }' "$src/go.mod")"
[ -n "$version" ] || { echo "gmsm-interop: no github.com/emmansun/gmsm version in $src/go.mod" >&2; exit 1; }
hash="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)"
dir="${HOME}/.cache/crossgate/gmsm-interop-${version}-${hash}"
bin="$dir/gmsm-interop"

build() {
  [ -x "$bin" ] && return 0
  command -v go >/dev/null || { echo "gmsm-interop: the Go toolchain is needed to build $src" >&2; exit 1; }
  mkdir -p "$dir"
  (cd "$src" && go build -trimpath -o "$bin.tmp" .) || { echo "gmsm-interop: go build in $src failed" >&2; exit 1; }
  mv "$bin.tmp" "$bin"
}

case "${1:-}" in
  build) build ;;
  path) build; echo "$bin" ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac
