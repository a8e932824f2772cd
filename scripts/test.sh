#!/usr/bin/env bash
# `npm test`: lint, typecheck, generated artifacts, then the real services the tests need
# (PostgreSQL, Apache Kafka, Hyperledger Fabric, CometBFT), then every test in one node:test run.
# A service that cannot start fails the run here, loudly; no test is ever skipped for want of one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
node scripts/check-node.mjs

echo "== lint"
eslint .
echo "== typecheck and build"
tsc -p tsconfig.json
echo "== generated artifacts are current"
node dist/schemas/export-json-schema.js --check

echo "== services"
export CROSSGATE_STATE_DIR="${CROSSGATE_STATE_DIR:-/tmp/crossgate-services}"
mkdir -p "$CROSSGATE_STATE_DIR"
started=()
stop_started() {
  [ "${CROSSGATE_KEEP_SERVICES:-}" = 1 ] && return 0
  for ((i=${#started[@]}-1; i>=0; i--)); do bash ${started[$i]} stop >/dev/null 2>&1 || true; done
}
trap stop_started EXIT

# Start them in parallel (Fabric's first build takes minutes), then wait for each.
declare -A service_scripts=( [postgres]=scripts/postgres.sh [kafka]=scripts/kafka.sh [fabric]=scripts/fabric/network.sh [cometbft]=scripts/cometbft.sh )
declare -A pids=()
for name in postgres kafka fabric cometbft; do
  script=${service_scripts[$name]}
  if bash "$script" status >/dev/null 2>&1; then
    echo "   $name: already running, reused"
  else
    started+=("$script")
    ( bash "$script" start >"$CROSSGATE_STATE_DIR/$name-start.log" 2>&1 ) &
    pids[$name]=$!
  fi
done
# grpcurl, the third-party client of the gRPC door's tests, is built from its Go module meanwhile (cached).
( bash scripts/grpcurl.sh >"$CROSSGATE_STATE_DIR/grpcurl-build.log" 2>&1 ) &
pids[grpcurl]=$!
failed=0
for name in "${!pids[@]}"; do
  if wait "${pids[$name]}"; then
    echo "   $name: started"
  else
    log="$CROSSGATE_STATE_DIR/$name-start.log"
    [ "$name" = grpcurl ] && log="$CROSSGATE_STATE_DIR/grpcurl-build.log"
    echo "!! $name could not be started; its log ($log) ends with:" >&2
    tail -n 40 "$log" >&2 || true
    failed=1
  fi
done
[ "$failed" = 0 ] || { echo "!! a service the tests need did not start: failing the test run" >&2; exit 1; }

export CROSSGATE_TEST_PG_URL="$(bash scripts/postgres.sh url)"
export CROSSGATE_TEST_PG_CA="$(bash scripts/postgres.sh ca)"
export CROSSGATE_TEST_KAFKA_BROKERS="$(bash scripts/kafka.sh brokers)"
export CROSSGATE_TEST_KAFKA_SECURE="$(bash scripts/kafka.sh secure)"
export CROSSGATE_TEST_FABRIC_PROFILE="$(bash scripts/fabric/network.sh profile)"
export CROSSGATE_TEST_COMETBFT_NETWORK="$(bash scripts/cometbft.sh network)"
export CROSSGATE_TEST_GRPCURL="$(tail -n 1 "$CROSSGATE_STATE_DIR/grpcurl-build.log")"
echo "   postgres=$CROSSGATE_TEST_PG_URL kafka=$CROSSGATE_TEST_KAFKA_BROKERS fabric=$CROSSGATE_TEST_FABRIC_PROFILE cometbft=$CROSSGATE_TEST_COMETBFT_NETWORK"

echo "== tests"
# Run the compiled form of each test source that exists now: an incremental build never deletes the
# output of a test file that was renamed or removed, and such a leftover must not run.
mapfile -t test_files < <(find test -name '*.test.ts' | sort | sed -e 's#^#dist/#' -e 's#\.ts$#.js#')
node --test --test-concurrency=2 --test-timeout=900000 "${test_files[@]}"

# The broker above is the default, Apache Kafka 4.x; users on 3.9 (the last 3.x line) are served too,
# so the Kafka tests run once more against a 3.9.2 broker of their own.
echo "== Kafka 3.9 compatibility: the Kafka tests against Apache Kafka 3.9.2"
compat_env=(env CROSSGATE_STATE_DIR="$CROSSGATE_STATE_DIR/kafka-3.9-compat" CROSSGATE_KAFKA_VERSION=3.9.2)
stop_compat() { "${compat_env[@]}" bash scripts/kafka.sh stop >/dev/null 2>&1 || true; stop_started; }
trap stop_compat EXIT
if ! "${compat_env[@]}" bash scripts/kafka.sh start >"$CROSSGATE_STATE_DIR/kafka-3.9-start.log" 2>&1; then
  echo "!! the Kafka 3.9.2 broker could not be started; its log ends with:" >&2
  tail -n 40 "$CROSSGATE_STATE_DIR/kafka-3.9-start.log" >&2 || true
  exit 1
fi
mapfile -t kafka_test_files < <(printf '%s\n' "${test_files[@]}" | grep -E '/(kafka-[^/]*|dlq-kafka-[^/]*)\.test\.js$')
CROSSGATE_TEST_KAFKA_BROKERS="$("${compat_env[@]}" bash scripts/kafka.sh brokers)" \
  CROSSGATE_TEST_KAFKA_SECURE="$("${compat_env[@]}" bash scripts/kafka.sh secure)" \
  node --test --test-concurrency=2 --test-timeout=900000 "${kafka_test_files[@]}"
