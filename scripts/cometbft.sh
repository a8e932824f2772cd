#!/usr/bin/env bash
# A local CometBFT network for tests and development, without Docker: 4 validators (one faulty one is
# tolerated) on 127.0.0.1, each a crossgate-anchor-node (CometBFT v1 with the anchor app built in,
# adapters/chains/cometbft/anchor-app). The binary is built from Go modules once per source version
# into ~/.cache/crossgate/cometbft-anchor-<cometbft version>-<source hash>/.
#
#   scripts/cometbft.sh start          build (first time), write the network (first time), start every validator, wait for blocks
#   scripts/cometbft.sh stop           stop every validator (TERM, then KILL after a bounded wait); state is kept
#   scripts/cometbft.sh status         print each validator's state; exit 0 when all run, 3 otherwise
#   scripts/cometbft.sh network        print the path of network.json (chain id, RPC addresses, admin key file)
#   scripts/cometbft.sh clean          stop and delete the state directory
#   scripts/cometbft.sh stop-node N    stop validator N (0..3)
#   scripts/cometbft.sh kill-node N    SIGKILL validator N, as a crash would
#   scripts/cometbft.sh start-node N   start validator N again and wait until its RPC answers
#   scripts/cometbft.sh build          build the binary (cached) and print its path
#
# Environment: CROSSGATE_STATE_DIR (default /tmp/crossgate-services; state goes to its cometbft/),
# CROSSGATE_COMETBFT_START_TIMEOUT seconds per wait (default 60).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SRC="$ROOT/adapters/chains/cometbft/anchor-app"
STATE="${CROSSGATE_STATE_DIR:-/tmp/crossgate-services}/cometbft"
TIMEOUT="${CROSSGATE_COMETBFT_START_TIMEOUT:-60}"
VALIDATORS=4
MARKER=CROSSGATE_COMETBFT_NODE

say() { echo "cometbft: $*" >&2; }
die() { echo "cometbft: ERROR: $*" >&2; exit 1; }
source "$ROOT/scripts/lib/processes.sh"

binary() {
  local version hash cache
  version="$(awk '$1 == "github.com/cometbft/cometbft" { print $2; exit }' "$SRC/go.mod")"
  hash="$(cat "$SRC"/go.mod "$SRC"/go.sum "$SRC"/*.go | sha256sum | cut -c1-12)"
  cache="${CROSSGATE_COMETBFT_CACHE:-$HOME/.cache/crossgate/cometbft-anchor-$version-$hash}"
  if [[ ! -x "$cache/bin/crossgate-anchor-node" ]]; then
    command -v go >/dev/null || die "Go is needed to build the CometBFT anchor node"
    say "building crossgate-anchor-node (CometBFT $version) from the Go module proxy"
    mkdir -p "$cache/bin"
    # Built to a temporary name and moved into place once complete: an interrupted build is never cached.
    (cd "$SRC" && GOFLAGS=-buildvcs=false go build -trimpath -o "$cache/bin/crossgate-anchor-node.partial" .) >&2
    mv "$cache/bin/crossgate-anchor-node.partial" "$cache/bin/crossgate-anchor-node"
  fi
  echo "$cache/bin/crossgate-anchor-node"
}

rpc_port() { node -e "const n=require(process.argv[1]);process.stdout.write(new URL(n.validators[process.argv[2]].rpc).port)" "$STATE/network.json" "$1"; }

# A base port with 2 free ports per validator after it, below the ephemeral range: the fault tests
# stop validators, and another test's listen(0) must not take a stopped validator's port meanwhile.
free_base_port() {
  local base i top
  top=$(($(ephemeral_low) - 2 * VALIDATORS))
  for _ in $(seq 1 50); do
    base=$((20000 + RANDOM % (top - 20000)))
    for ((i = 0; i < 2 * VALIDATORS; i++)); do listening $((base + i)) && continue 2; done
    echo "$base"; return 0
  done
  die "found no $((2 * VALIDATORS)) free consecutive ports"
}

provision() {
  [[ -f "$STATE/network.json" ]] && return 0
  rm -rf "$STATE"
  mkdir -p "$(dirname "$STATE")"
  "$BIN" localnet --dir "$STATE" --validators "$VALIDATORS" --base-port "$(free_base_port)" --chain-id crossgate-local >&2
  say "wrote a $VALIDATORS-validator network in $STATE"
}

start_node() {
  pid_of "validator$1" >/dev/null && return 0
  launch "validator$1" "$BIN" start --home "$STATE/validator$1"
}

# Up means this validator answers on its RPC port: a port that merely listens may be another process's.
wait_rpc() {
  local i=$1 port deadline=$((SECONDS + TIMEOUT))
  port="$(rpc_port "$i")"
  wait_listening "validator$i" "$port"
  until [[ "$(node -e "fetch('http://127.0.0.1:$port/status').then(r=>r.json()).then(s=>process.stdout.write(s.result.node_info.moniker)).catch(()=>{})")" == "validator$i" ]]; do
    pid_of "validator$i" >/dev/null || { tail -n 30 "$STATE/logs/validator$i.log" >&2 || true; die "validator$i exited during start-up (log: $STATE/logs/validator$i.log)"; }
    ((SECONDS < deadline)) || die "127.0.0.1:$port does not answer as validator$i within ${TIMEOUT}s (another process may hold the port)"
    sleep 0.2
  done
}

# Ready means a block has been committed since start, i.e. more than two thirds of the voting power take part.
wait_blocks() {
  local port deadline=$((SECONDS + TIMEOUT)) h
  port="$(rpc_port 0)"
  until h="$(node -e "fetch('http://127.0.0.1:$port/status').then(r=>r.json()).then(s=>process.stdout.write(s.result.sync_info.latest_block_height)).catch(()=>process.stdout.write('0'))")" && ((h >= 1)); do
    ((SECONDS < deadline)) || die "the network committed no block within ${TIMEOUT}s (logs: $STATE/logs)"
    sleep 0.3
  done
}

check_index() { [[ "$1" =~ ^[0-9]+$ ]] && (($1 < VALIDATORS)) || die "no validator $1 (0..$((VALIDATORS - 1)))"; }

cmd_status() {
  local rc=0 i pid
  for ((i = 0; i < VALIDATORS; i++)); do
    if pid="$(pid_of "validator$i")"; then echo "validator$i running (pid $pid)"; else echo "validator$i stopped"; rc=3; fi
  done
  return $rc
}

case "${1:-}" in
  build) binary ;;
  start)
    command -v node >/dev/null || die "node not found (run from the project with node_modules installed)"
    BIN="$(binary)"
    provision
    for ((i = 0; i < VALIDATORS; i++)); do start_node "$i"; done
    for ((i = 0; i < VALIDATORS; i++)); do wait_rpc "$i"; done
    wait_blocks
    say "ready: $VALIDATORS validators, network $STATE/network.json" ;;
  stop) for ((i = 0; i < VALIDATORS; i++)); do stop_process "validator$i"; done; say "stopped" ;;
  status) cmd_status ;;
  network) [[ -f "$STATE/network.json" ]] || die "no network yet (run: $0 start)"; echo "$STATE/network.json" ;;
  clean) for ((i = 0; i < VALIDATORS; i++)); do stop_process "validator$i"; done; rm -rf "$STATE"; say "cleaned" ;;
  stop-node) check_index "${2:-}"; stop_process "validator$2" ;;
  kill-node) check_index "${2:-}"; kill_process "validator$2" ;;
  start-node) check_index "${2:-}"; BIN="$(binary)"; start_node "$2"; wait_rpc "$2" ;;
  *) echo "usage: $0 start|stop|status|network|clean|build|stop-node N|kill-node N|start-node N" >&2; exit 2 ;;
esac
