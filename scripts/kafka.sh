#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker+controller) for tests and local development,
# without Docker: the broker's jars come from Maven Central through `mvn` (scripts/kafka/pom.xml) and are
# cached per version; the broker listens on 127.0.0.1 only, on free ports picked at first start.
#
#   scripts/kafka.sh start     fetch (first time), format, start, wait until the broker answers; idempotent
#   scripts/kafka.sh stop      stop the broker (TERM, then KILL after a bounded wait)
#   scripts/kafka.sh status    print running/stopped; exit 0 when running, 3 when not
#   scripts/kafka.sh brokers   print the bootstrap address (127.0.0.1:PORT); fail when not running
#   scripts/kafka.sh secure    print, as one JSON line, the secured listeners and their client material:
#                              SASL_SSL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN; user "crossgate") and SSL with
#                              client certificates required, the CA, a client certificate, and one from a
#                              CA the broker does not trust (for refusal tests)
#   scripts/kafka.sh clean     stop and delete the state directory (data, config, logs)
#
# Environment: CROSSGATE_KAFKA_VERSION (default 4.4.0; 3.x still works, npm test runs a 3.9.2 compatibility
# pass), CROSSGATE_STATE_DIR (default /tmp/crossgate-services),
# CROSSGATE_KAFKA_HEAP (default 512m), CROSSGATE_KAFKA_START_TIMEOUT seconds (default 180: CI starts Kafka beside a Fabric build on 2 cores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"

VERSION="${CROSSGATE_KAFKA_VERSION:-4.4.0}"
[[ "$VERSION" =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]] || { echo "kafka: ERROR: CROSSGATE_KAFKA_VERSION '$VERSION' is not MAJOR.MINOR.PATCH" >&2; exit 1; }
MAJOR="${BASH_REMATCH[1]}"
# Kafka 4 logs through Log4j 2 (KIP-653), 3.x through reload4j: the pom picks the binding, the JVM the config.
if ((MAJOR >= 4)); then
  LOGGING=log4j2
  LOG_OPTS=(-Dlog4j2.configurationFile="file:$ROOT/scripts/kafka/log4j2.xml")
else
  LOGGING=reload4j
  LOG_OPTS=(-Dlog4j.configuration="file:$ROOT/scripts/kafka/log4j.properties")
fi
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/crossgate/kafka-$VERSION"
LIBS="$CACHE_DIR/libs"
STATE="${CROSSGATE_STATE_DIR:-/tmp/crossgate-services}/kafka"
PID_FILE="$STATE/kafka.pid"
PORTS_FILE="$STATE/ports"
LOG_FILE="$STATE/kafka.log"
CONFIG="$STATE/server.properties"
DATA="$STATE/data"
TLS="$STATE/tls"
SASL_USER=crossgate
HEAP="${CROSSGATE_KAFKA_HEAP:-512m}"
START_TIMEOUT="${CROSSGATE_KAFKA_START_TIMEOUT:-180}"

say() { echo "kafka: $*" >&2; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

require() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"
}

# Jars are fetched into a scratch directory and moved into place only when complete, so an interrupted
# fetch never leaves a half-filled cache that a later start would trust.
fetch() {
  if [[ -f "$LIBS/.complete" ]]; then return 0; fi
  require mvn "install Maven, e.g. apt-get install maven"
  require java "install a JDK 17+, e.g. apt-get install openjdk-17-jdk-headless"
  mkdir -p "$CACHE_DIR"
  local scratch
  scratch="$(mktemp -d "$CACHE_DIR/fetch.XXXXXX")"
  say "fetching org.apache.kafka:kafka_2.13:$VERSION and its runtime dependencies from Maven Central"
  local started=$SECONDS
  if ! mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" -Dkafka.version="$VERSION" -Dkafka.logging="$LOGGING" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$scratch/libs" >"$scratch/mvn.log" 2>&1; then
    cat "$scratch/mvn.log" >&2
    rm -rf "$scratch"
    die "mvn could not resolve Kafka $VERSION (see the output above)"
  fi
  [[ -f "$scratch/libs/kafka_2.13-$VERSION.jar" ]] || { rm -rf "$scratch"; die "kafka_2.13-$VERSION.jar missing after the fetch"; }
  touch "$scratch/libs/.complete"
  rm -rf "$LIBS"
  mv "$scratch/libs" "$LIBS"
  rm -rf "$scratch"
  say "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars into $LIBS in $((SECONDS - started))s"
}

free_port() {
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});"
}

port_free() {
  node -e "const s=require('node:net').createServer();s.once('error',()=>process.exit(1));s.listen(+process.argv[1],'127.0.0.1',()=>s.close());" "$1"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be this state directory's broker.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$CONFIG" || return 1
  echo "$pid"
}

broker_port() {
  [[ -f "$PORTS_FILE" ]] || return 1
  sed -n 's/^broker=//p' "$PORTS_FILE"
}

# Ports are picked once and kept, so clients and the metadata log see the same broker across restarts;
# a port taken meanwhile by something else is replaced.
choose_ports() {
  local name port taken=" "
  local -A chosen=()
  for name in broker controller sasl_ssl ssl; do
    port=""
    [[ -f "$PORTS_FILE" ]] && port="$(sed -n "s/^$name=//p" "$PORTS_FILE")"
    if [[ -z "$port" || "$taken" == *" $port "* ]] || ! port_free "$port"; then
      port="$(free_port)"
      while [[ "$taken" == *" $port "* ]]; do port="$(free_port)"; done
    fi
    chosen[$name]=$port
    taken+="$port "
  done
  printf 'broker=%s\ncontroller=%s\nsasl_ssl=%s\nssl=%s\n' "${chosen[broker]}" "${chosen[controller]}" "${chosen[sasl_ssl]}" "${chosen[ssl]}" >"$PORTS_FILE"
}

port_of() {
  sed -n "s/^$1=//p" "$PORTS_FILE"
}

# TLS material, made once per state directory with openssl: a CA, the broker's certificate for
# 127.0.0.1/localhost (a PEM keystore: PKCS#8 key and chain in one file), a client certificate
# for mTLS, one from a CA the broker does not trust, and the SASL password.
make_tls() {
  [[ -f "$TLS/.complete" ]] && return 0
  require openssl "install it, e.g. apt-get install openssl"
  rm -rf "$TLS"
  mkdir -p "$TLS"
  (
    cd "$TLS"
    local ca
    for ca in ca untrusted-ca; do
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=crossgate test $ca" \
        -keyout "$ca.key" -out "$ca.pem" 2>/dev/null
    done
    issue() { # name issuer subject extensions
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" -keyout "$1.key.tmp" -out "$1.csr" 2>/dev/null
      openssl pkcs8 -topk8 -nocrypt -in "$1.key.tmp" -out "$1.key"
      printf '%s\n' "$4" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 3650 -out "$1.pem" -extfile "$1.ext" 2>/dev/null
      rm -f "$1.key.tmp" "$1.csr" "$1.ext"
    }
    issue broker ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost"
    issue client ca "/CN=crossgate-gateway" "extendedKeyUsage=clientAuth"
    issue untrusted-client untrusted-ca "/CN=crossgate-gateway" "extendedKeyUsage=clientAuth"
    cat broker.key broker.pem >broker-keystore.pem
    node -e "console.log(require('node:crypto').randomBytes(18).toString('base64url'))" >sasl-password
    chmod 600 ./*.key broker-keystore.pem sasl-password
  )
  touch "$TLS/.complete"
}

write_config() {
  local broker controller sasl_ssl ssl password
  broker="$(port_of broker)"
  controller="$(port_of controller)"
  sasl_ssl="$(port_of sasl_ssl)"
  ssl="$(port_of ssl)"
  password="$(cat "$TLS/sasl-password")"
  cat >"$CONFIG" <<EOF
# Generated by scripts/kafka.sh; edits are overwritten at the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$broker,CONTROLLER://127.0.0.1:$controller,SASL_SSL://127.0.0.1:$sasl_ssl,SSL://127.0.0.1:$ssl
advertised.listeners=PLAINTEXT://127.0.0.1:$broker,SASL_SSL://127.0.0.1:$sasl_ssl,SSL://127.0.0.1:$ssl
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
# TLS on the secured listeners (PEM files made by make_tls); SSL demands a client certificate.
ssl.keystore.type=PEM
ssl.keystore.location=$TLS/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
listener.name.ssl.ssl.client.auth=required
# SASL on SASL_SSL: SCRAM users are created at format time (KIP-900), PLAIN's in its JAAS line.
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$password";
log.dirs=$DATA
# Test-friendly defaults: topics are created explicitly (by tests and the gateway), one replica,
# consumer groups form at once instead of waiting 3 s for more members.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
num.network.threads=3
num.io.threads=4
log.retention.hours=24
log.segment.bytes=268435456
EOF
}

format_storage() {
  if [[ -f "$DATA/meta.properties" ]]; then
    [[ -f "$STATE/scram-users" ]] || die "$DATA was formatted before the SASL listener had users: run 'bash scripts/kafka.sh clean' once"
    return 0
  fi
  local password
  password="$(cat "$TLS/sasl-password")"
  local cluster_id
  # A Kafka Uuid: 16 random bytes, base64url without padding; Kafka itself avoids a leading '-'.
  cluster_id="$(node -e "const c=require('node:crypto');let s;do{s=c.randomBytes(16).toString('base64url');}while(s.startsWith('-'));console.log(s);")"
  say "formatting KRaft storage (cluster $cluster_id)"
  java -cp "$LIBS/*" "${LOG_OPTS[@]}" -Dkafka.logs.dir="$STATE" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" \
    --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$password]" \
    --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$password]" >>"$LOG_FILE" 2>&1 \
    || { tail -n 30 "$LOG_FILE" >&2; die "storage format failed (log: $LOG_FILE)"; }
  echo "$SASL_USER" >"$STATE/scram-users"
}

probe() {
  node "$ROOT/scripts/kafka/probe.mjs" "127.0.0.1:$1" >/dev/null 2>&1
}

start() {
  local pid port
  if pid="$(running_pid)"; then
    port="$(broker_port)"
    if probe "$port"; then
      say "already running (pid $pid) on 127.0.0.1:$port"
      echo "127.0.0.1:$port"
      return 0
    fi
    say "process $pid is alive but the broker does not answer; waiting for it"
  else
    require java "install a JDK 17+, e.g. apt-get install openjdk-17-jdk-headless"
    require node "run npm ci first: the project's node provides the readiness probe"
    fetch
    mkdir -p "$STATE" "$DATA"
    rm -f "$PID_FILE"
    make_tls
    choose_ports
    write_config
    format_storage
    port="$(broker_port)"
    local started_at=$SECONDS
    # setsid: the broker outlives this shell and is not killed with the caller's process group.
    setsid java -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      "${LOG_OPTS[@]}" -Dkafka.logs.dir="$STATE" \
      -cp "$LIBS/*" kafka.Kafka "$CONFIG" >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "started pid $pid on 127.0.0.1:$port; waiting up to ${START_TIMEOUT}s for the broker to answer"
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until probe "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$STATE/server.log" "$LOG_FILE" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "the broker exited during start-up (logs: $STATE/server.log, $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$STATE/server.log" >&2 2>/dev/null || true
      die "the broker did not answer within ${START_TIMEOUT}s (pid $pid still running; logs: $STATE/server.log)"
    fi
    sleep 0.5
  done
  say "ready in $((SECONDS - ${started_at:-$SECONDS}))s"
  echo "127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "pid $pid did not stop within 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    local port
    port="$(broker_port)"
    if probe "$port"; then
      echo "running (pid $pid) 127.0.0.1:$port"
      return 0
    fi
    echo "starting or unhealthy (pid $pid) 127.0.0.1:$port"
    return 3
  fi
  echo "stopped"
  return 3
}

brokers() {
  running_pid >/dev/null || die "not running; start it with: bash scripts/kafka.sh start"
  echo "127.0.0.1:$(broker_port)"
}

secure() {
  running_pid >/dev/null || die "not running; start it with: bash scripts/kafka.sh start"
  node -e '
    const [tls, user, saslSsl, ssl] = process.argv.slice(1);
    const f = (name) => `${tls}/${name}`;
    console.log(JSON.stringify({
      saslSslBrokers: `127.0.0.1:${saslSsl}`, sslBrokers: `127.0.0.1:${ssl}`,
      caFile: f("ca.pem"), certFile: f("client.pem"), keyFile: f("client.key"),
      untrustedCaFile: f("untrusted-ca.pem"), untrustedCertFile: f("untrusted-client.pem"), untrustedKeyFile: f("untrusted-client.key"),
      saslUsername: user, saslPasswordFile: f("sasl-password"),
    }));' "$TLS" "$SASL_USER" "$(port_of sasl_ssl)" "$(port_of ssl)"
}

clean() {
  stop
  rm -rf "$STATE"
  say "removed $STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  brokers) brokers ;;
  secure) secure ;;
  clean) clean ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|brokers|secure|clean|fetch" >&2; exit 2 ;;
esac
