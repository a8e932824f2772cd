#!/usr/bin/env bash
# A real Hyperledger Fabric network for tests and local development, without Docker:
# one etcdraft orderer (OrdererMSP), two organizations with one peer each (Org1MSP, Org2MSP),
# channel "crossgate", and the TypeScript anchor chaincode run as a chaincode service (one
# server per organization) behind the chaincode-as-a-service external builder. Everything
# listens on 127.0.0.1 on free ports picked at first start; TLS is on for peers and orderer.
#
#   scripts/fabric/network.sh start        build binaries (first time), provision or resume, wait until ready
#   scripts/fabric/network.sh stop         stop every node (TERM, then KILL after a bounded wait); state is kept
#   scripts/fabric/network.sh status       print each node's state; exit 0 when all run, 3 otherwise
#   scripts/fabric/network.sh profile      print the path of the JSON connection profile
#   scripts/fabric/network.sh clean        stop and delete the state directory
#   scripts/fabric/network.sh stop-node N  stop one node (orderer, peer-org1, peer-org2, cc-org1, cc-org2)
#   scripts/fabric/network.sh start-node N start one node again and wait until it listens
#
# Environment: CROSSGATE_STATE_DIR (default /tmp/crossgate-services; state goes to its fabric/),
# CROSSGATE_FABRIC_START_TIMEOUT seconds per wait (default 60).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
source "$HERE/versions.sh"
source "$ROOT/scripts/lib/processes.sh"

CACHE_DIR="${CROSSGATE_FABRIC_CACHE:-$HOME/.cache/crossgate/fabric-$FABRIC_VERSION}"
BIN="$CACHE_DIR/bin"
SAMPLE="$CACHE_DIR/sampleconfig"
BUILDER="$HERE/ccaas-builder"
STATE="${CROSSGATE_STATE_DIR:-/tmp/crossgate-services}/fabric"
TIMEOUT="${CROSSGATE_FABRIC_START_TIMEOUT:-60}"
MARKER=CROSSGATE_FABRIC_NODE
CHANNEL=crossgate
CC_NAME=anchor
CC_LABEL=anchor_1
CC_VERSION=1
CC_SEQUENCE=1
CC_POLICY="AND('Org1MSP.peer','Org2MSP.peer')"
ORGS=(org1 org2)
NODES=(orderer peer-org1 peer-org2 cc-org1 cc-org2)

say() { echo "fabric: $*" >&2; }
die() { echo "fabric: ERROR: $*" >&2; exit 1; }

port() { node -e "process.stdout.write(String(require(process.argv[1])[process.argv[2]]))" "$STATE/ports.json" "$1"; }
msp_id() { case "$1" in org1) echo Org1MSP ;; org2) echo Org2MSP ;; esac; }
domain() { echo "$1.example.com"; }
peer_tls_ca() { echo "$STATE/crypto/peerOrganizations/$(domain "$1")/peers/peer0.$(domain "$1")/tls/ca.crt"; }
orderer_ca() { echo "$STATE/crypto/ordererOrganizations/example.com/orderers/orderer.example.com/tls/ca.crt"; }

# A restarted etcdraft orderer listens at once but refuses transactions ("no Raft leader") until
# its single node has elected itself, several ticks later: wait for that, not for the port.
wait_orderer_leader() {
  local log="$STATE/logs/orderer.log" deadline=$((SECONDS + TIMEOUT)) from
  until from="$(grep -n -- '^--- .* start$' "$log" | tail -n 1 | cut -d: -f1)" &&
        tail -n +"${from:-1}" "$log" | grep -q "Start accepting requests as Raft leader"; do
    pid_of orderer >/dev/null || die "orderer exited (log: $log)"
    ((SECONDS < deadline)) || die "orderer elected no Raft leader within ${TIMEOUT}s (log: $log)"
    sleep 0.2
  done
}

node_port() {
  case "$1" in
    orderer) port ordererAdmin ;;
    peer-*) port "${1#peer-}Peer" ;;
    cc-*) port "${1#cc-}Chaincode" ;;
  esac
}

start_node() {
  local name=$1
  if pid_of "$name" >/dev/null; then return 0; fi
  case "$name" in
    orderer)
      FABRIC_CFG_PATH="$STATE/orderer" launch orderer "$BIN/orderer" ;;
    peer-*)
      FABRIC_CFG_PATH="$STATE/$name" launch "$name" "$BIN/peer" node start ;;
    cc-*)
      local org=${name#cc-}
      [[ -f "$STATE/chaincode/$org.package-id" ]] || die "no package id for $org: provisioning did not finish (run: $0 clean && $0 start)"
      CHAINCODE_ID="$(cat "$STATE/chaincode/$org.package-id")" \
      CHAINCODE_SERVER_ADDRESS="127.0.0.1:$(port "${org}Chaincode")" \
        launch "$name" node "$STATE/chaincode/dist/adapters/chains/fabric/chaincode/server.js" ;;
    *) die "unknown node $name (one of: ${NODES[*]})" ;;
  esac
}

# Runs the peer CLI as the organization's admin against its own peer.
peer_as_admin() {
  local org=$1; shift
  local d; d="$(domain "$org")"
  FABRIC_CFG_PATH="$STATE/peer-$org" \
  CORE_PEER_LOCALMSPID="$(msp_id "$org")" \
  CORE_PEER_MSPCONFIGPATH="$STATE/crypto/peerOrganizations/$d/users/Admin@$d/msp" \
  CORE_PEER_ADDRESS="127.0.0.1:$(port "${org}Peer")" \
  CORE_PEER_TLS_ENABLED=true \
  CORE_PEER_TLS_ROOTCERT_FILE="$(peer_tls_ca "$org")" \
    "$BIN/peer" "$@"
}

retry() {
  local what=$1; shift
  local deadline=$((SECONDS + TIMEOUT)) out
  until out="$("$@" 2>&1)"; do
    ((SECONDS < deadline)) || { echo "$out" >&2; die "$what failed for ${TIMEOUT}s"; }
    sleep 0.5
  done
  printf '%s' "$out"
}

compile_chaincode() {
  local out="$STATE/chaincode/dist"
  rm -rf "$out"; mkdir -p "$out"
  tsc -p "$ROOT/adapters/chains/fabric/chaincode/tsconfig.json" --outDir "$out" >"$STATE/logs/chaincode-tsc.log" 2>&1 || {
    cat "$STATE/logs/chaincode-tsc.log" >&2; return 1; }
  # The compiled tree is ESM and resolves packages from the project's node_modules.
  echo '{ "type": "module" }' >"$out/package.json"
  ln -sfn "$ROOT/node_modules" "$out/node_modules"
  [[ -f "$out/adapters/chains/fabric/chaincode/server.js" ]]
}

package_chaincode() {
  local org=$1 dir="$STATE/chaincode/pkg-$org"
  rm -rf "$dir"; mkdir -p "$dir"
  printf '{"address":"127.0.0.1:%s","dial_timeout":"10s","tls_required":false}\n' "$(port "${org}Chaincode")" >"$dir/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$CC_LABEL" >"$dir/metadata.json"
  tar -C "$dir" -czf "$dir/code.tar.gz" connection.json
  tar -C "$dir" -czf "$STATE/chaincode/$org.tar.gz" metadata.json code.tar.gz
}

# Both approvals must be visible on a peer before it can endorse the commit.
ready_to_commit() {
  local out
  out="$(peer_as_admin "$1" lifecycle chaincode checkcommitreadiness --channelID "$CHANNEL" --name "$CC_NAME" \
    --version "$CC_VERSION" --sequence "$CC_SEQUENCE" --signature-policy "$CC_POLICY" 2>&1)" || return 1
  grep -q "Org1MSP: true" <<<"$out" && grep -q "Org2MSP: true" <<<"$out"
}

provision() {
  local t0=$SECONDS
  rm -rf "$STATE"; mkdir -p "$STATE/logs" "$STATE/pids" "$STATE/artifacts" "$STATE/chaincode"
  node "$HERE/render-config.mjs" ports "$STATE"
  node "$HERE/render-config.mjs" nodes "$STATE" "$SAMPLE" "$BUILDER"

  # TypeScript compile of the chaincode is the slowest local step: overlap it with the rest.
  compile_chaincode & local tsc_pid=$!

  "$BIN/cryptogen" generate --config="$STATE/config/crypto-config.yaml" --output="$STATE/crypto" >"$STATE/logs/cryptogen.log" 2>&1 \
    || { cat "$STATE/logs/cryptogen.log" >&2; die "cryptogen failed"; }
  FABRIC_CFG_PATH="$STATE/config" "$BIN/configtxgen" -profile CrossgateChannel -channelID "$CHANNEL" \
    -outputBlock "$STATE/artifacts/$CHANNEL.block" >"$STATE/logs/configtxgen.log" 2>&1 \
    || { cat "$STATE/logs/configtxgen.log" >&2; die "configtxgen failed"; }

  start_node orderer
  for org in "${ORGS[@]}"; do start_node "peer-$org"; done
  wait_listening orderer "$(port ordererAdmin)"
  local admin="$STATE/crypto/ordererOrganizations/example.com/users/Admin@example.com/tls"
  retry "osnadmin channel join" "$BIN/osnadmin" channel join --channelID "$CHANNEL" --config-block "$STATE/artifacts/$CHANNEL.block" \
    -o "127.0.0.1:$(port ordererAdmin)" --ca-file "$(orderer_ca)" --client-cert "$admin/client.crt" --client-key "$admin/client.key" >/dev/null
  for org in "${ORGS[@]}"; do
    wait_listening "peer-$org" "$(port "${org}Peer")"
    retry "peer channel join ($org)" peer_as_admin "$org" channel join -b "$STATE/artifacts/$CHANNEL.block" >/dev/null
  done
  say "orderer and peers up, channel $CHANNEL joined ($((SECONDS - t0))s)"

  for org in "${ORGS[@]}"; do
    package_chaincode "$org"
    peer_as_admin "$org" lifecycle chaincode calculatepackageid "$STATE/chaincode/$org.tar.gz" >"$STATE/chaincode/$org.package-id"
    retry "chaincode install ($org)" peer_as_admin "$org" lifecycle chaincode install "$STATE/chaincode/$org.tar.gz" >/dev/null
  done
  wait "$tsc_pid" || die "chaincode compile failed (log: $STATE/logs/chaincode-tsc.log)"
  for org in "${ORGS[@]}"; do start_node "cc-$org"; done

  local ord=(-o "127.0.0.1:$(port orderer)" --tls --cafile "$(orderer_ca)")
  local def=(--channelID "$CHANNEL" --name "$CC_NAME" --version "$CC_VERSION" --sequence "$CC_SEQUENCE" --signature-policy "$CC_POLICY")
  for org in "${ORGS[@]}"; do
    retry "approveformyorg ($org)" peer_as_admin "$org" lifecycle chaincode approveformyorg "${ord[@]}" "${def[@]}" \
      --package-id "$(cat "$STATE/chaincode/$org.package-id")" >/dev/null
  done
  for org in "${ORGS[@]}"; do
    retry "commit readiness ($org)" ready_to_commit "$org" >/dev/null
  done
  retry "chaincode commit" peer_as_admin org1 lifecycle chaincode commit "${ord[@]}" "${def[@]}" \
    --peerAddresses "127.0.0.1:$(port org1Peer)" --tlsRootCertFiles "$(peer_tls_ca org1)" \
    --peerAddresses "127.0.0.1:$(port org2Peer)" --tlsRootCertFiles "$(peer_tls_ca org2)" >/dev/null
  for org in "${ORGS[@]}"; do
    retry "querycommitted ($org)" peer_as_admin "$org" lifecycle chaincode querycommitted --channelID "$CHANNEL" --name "$CC_NAME" >/dev/null
    wait_listening "cc-$org" "$(port "${org}Chaincode")"
  done

  node "$HERE/render-config.mjs" profile "$STATE" \
    "{\"org1\":\"$(cat "$STATE/chaincode/org1.package-id")\",\"org2\":\"$(cat "$STATE/chaincode/org2.package-id")\"}"
  date -u +%FT%TZ >"$STATE/.ready"
  say "network provisioned in $((SECONDS - t0))s; profile: $STATE/profile.json"
}

resume() {
  local t0=$SECONDS
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]}"; do wait_listening "$n" "$(node_port "$n")"; done
  wait_orderer_leader
  say "network resumed from $STATE in $((SECONDS - t0))s"
}

stop_all() {
  for n in cc-org1 cc-org2 peer-org1 peer-org2 orderer; do stop_process "$n"; done
}

all_running() {
  for n in "${NODES[@]}"; do pid_of "$n" >/dev/null || return 1; done
}

cmd_start() {
  local t0=$SECONDS
  bash "$HERE/build.sh" >&2 || die "building Fabric $FABRIC_VERSION failed"
  command -v node >/dev/null || die "node not found (run from the project with node_modules installed)"
  if [[ -f "$STATE/.ready" ]]; then
    if all_running; then say "already running"; else resume; fi
  else
    stop_all
    # A half-provisioned network is useless: stop whatever started before failing.
    trap 'stop_all' EXIT
    provision
    trap - EXIT
  fi
  say "ready in $((SECONDS - t0))s"
  echo "$STATE/profile.json"
}

cmd_status() {
  local rc=0
  for n in "${NODES[@]}"; do
    if pid="$(pid_of "$n")"; then echo "$n running (pid $pid)"; else echo "$n stopped"; rc=3; fi
  done
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) stop_all; say "stopped" ;;
  status) cmd_status ;;
  profile) [[ -f "$STATE/profile.json" ]] || die "no profile: the network was never started (run: $0 start)"; echo "$STATE/profile.json" ;;
  clean) stop_all; rm -rf "$STATE"; say "removed $STATE" ;;
  stop-node) [[ -n "${2:-}" ]] || die "stop-node needs a node name"; stop_process "$2" ;;
  start-node)
    [[ -n "${2:-}" ]] || die "start-node needs a node name"
    start_node "$2"; wait_listening "$2" "$(node_port "$2")"
    if [[ "$2" == orderer ]]; then wait_orderer_leader; fi ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
