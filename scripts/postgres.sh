#!/usr/bin/env bash
# PostgreSQL for tests and local development, run natively from the Debian packages (no Docker).
#
#   scripts/postgres.sh start    start (or reuse) the cluster; logs go to stderr, stdout stays empty
#   scripts/postgres.sh stop     stop it
#   scripts/postgres.sh status   exit 0 and say where when running, exit 3 when not
#   scripts/postgres.sh url      print the admin connection string, postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh ca       print the file of the CA that signed the server's TLS certificate
#
# State lives in ${CROSSGATE_STATE_DIR:-/tmp/crossgate-services}/postgres: data/, the chosen port, the
# server log. The cluster listens on 127.0.0.1 only, with trust auth: it is a throwaway test cluster.
# It speaks TLS too (ssl=on; plain connections are still taken): a CA and a server certificate for
# 127.0.0.1 and localhost are made with openssl at the first start, under tls/, so clients can test
# sslmode=verify-full with sslrootcert=$(scripts/postgres.sh ca).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
set -euo pipefail

STATE_DIR="${CROSSGATE_STATE_DIR:-/tmp/crossgate-services}"
PG_HOME="$STATE_DIR/postgres"
DATA_DIR="$PG_HOME/data"
SOCKET_DIR="$PG_HOME/run"
PORT_FILE="$PG_HOME/port"
LOG_FILE="$PG_HOME/server.log"
TLS_DIR="$PG_HOME/tls"
START_TIMEOUT="${CROSSGATE_PG_START_TIMEOUT:-60}"

log() { echo "postgres.sh: $*" >&2; }
die() { echo "postgres.sh: ERROR: $*" >&2; exit 1; }

# The newest /usr/lib/postgresql/N/bin that has a server, else wherever initdb is on PATH.
find_bindir() {
  local dir best=""
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/postgres" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && best="$dir"
  done
  if [[ -z "$best" ]]; then
    best="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$best" && -x "$best/postgres" && -x "$best/initdb" ]] || best=""
  fi
  if [[ -z "$best" ]] && command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
    best="$(dirname "$(readlink -f "$(command -v initdb)")")"
  fi
  printf '%s' "$best"
}

install_postgres() {
  [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available to install it"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's package would create and start a 'main' cluster on 5432; this script runs its own.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
  fi
  local apt_opts=(-y -q -o Dpkg::Options::=--force-confold)
  if ! apt-cache show postgresql >/dev/null 2>&1; then
    log "apt-get update (no package index for postgresql yet)"
    apt-get update -q >&2 || die "apt-get update failed"
  fi
  log "installing PostgreSQL from Debian packages"
  if ! apt-get install "${apt_opts[@]}" postgresql >&2; then
    log "install failed; refreshing the package index and retrying"
    apt-get update -q >&2 || die "apt-get update failed"
    apt-get install "${apt_opts[@]}" postgresql >&2 || die "apt-get install postgresql failed"
  fi
}

BIN_DIR=""
ensure_binaries() {
  BIN_DIR="$(find_bindir)"
  if [[ -z "$BIN_DIR" ]]; then
    install_postgres
    BIN_DIR="$(find_bindir)"
    [[ -n "$BIN_DIR" ]] || die "installed postgresql but found no initdb/postgres under /usr/lib/postgresql/*/bin"
  fi
}

# Runs a PostgreSQL program as the server's owner: `postgres` when we are root, ourselves otherwise.
# fd 9 (our lock) is closed for it, or the server would inherit the lock and hold it forever.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@" 9>&-
  else
    "$@" 9>&-
  fi
}

ensure_user() {
  [[ "$(id -u)" == 0 ]] || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating the postgres system user"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres \
      || die "cannot create the postgres system user"
  fi
}

prepare_dirs() {
  mkdir -p "$PG_HOME" "$SOCKET_DIR" 2>/dev/null || die "cannot create $PG_HOME (set CROSSGATE_STATE_DIR to a writable directory)"
  # The server user must reach its data dir through every parent directory.
  chmod a+x "$STATE_DIR" "$PG_HOME" 2>/dev/null || true
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "$PG_HOME" "$SOCKET_DIR"
    [[ -d "$DATA_DIR" ]] && chown -R postgres: "$DATA_DIR"
    touch "$LOG_FILE" && chown postgres: "$LOG_FILE"
  fi
  as_owner test -w "$PG_HOME" || die "$PG_HOME is not writable by the server user (check the permissions of its parents)"
}

init_cluster() {
  [[ -f "$DATA_DIR/PG_VERSION" ]] && return 0
  log "initializing a cluster in $DATA_DIR"
  rm -rf "$DATA_DIR"
  as_owner "$BIN_DIR/initdb" -D "$DATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale >&2 \
    || die "initdb failed"
}

# A throwaway CA and a server certificate it signed, for 127.0.0.1 and localhost (10 years).
make_tls() {
  [[ -s "$TLS_DIR/server.key" && -s "$TLS_DIR/server.pem" && -s "$TLS_DIR/ca.pem" ]] && return 0
  command -v openssl >/dev/null 2>&1 || die "openssl is needed to make the test cluster's TLS certificate"
  log "making a test CA and server certificate in $TLS_DIR"
  mkdir -p "$TLS_DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=Crossgate test PostgreSQL CA" \
    -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" 2>/dev/null || die "openssl could not make the test CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" 2>/dev/null || die "openssl could not make the server key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$TLS_DIR/server.ext"
  openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" -CAcreateserial -days 3650 \
    -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.pem" 2>/dev/null || die "openssl could not sign the server certificate"
  chmod 600 "$TLS_DIR/server.key" "$TLS_DIR/ca.key"
  chmod a+rx "$TLS_DIR"
  chmod a+r "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem"
  if [[ "$(id -u)" == 0 ]]; then chown postgres: "$TLS_DIR/server.key" "$TLS_DIR/server.pem"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local port tries=0
  while (( tries < 50 )); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! port_in_use "$port"; then
      echo "$port" > "$PORT_FILE"
      printf '%s' "$port"
      return 0
    fi
    tries=$(( tries + 1 ))
  done
  die "no free port found on 127.0.0.1"
}

current_port() { [[ -s "$PORT_FILE" ]] && tr -d '[:space:]' < "$PORT_FILE"; }

is_running() {
  local port
  port="$(current_port)" || return 1
  [[ -n "$BIN_DIR" ]] || BIN_DIR="$(find_bindir)"
  [[ -n "$BIN_DIR" && -f "$DATA_DIR/PG_VERSION" ]] || return 1
  as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1 || return 1
  "$BIN_DIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres >/dev/null 2>&1
}

start_server() {
  local port="$1"
  log "starting PostgreSQL ($BIN_DIR) on 127.0.0.1:$port"
  as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$SOCKET_DIR -c max_connections=200 -c ssl=on -c ssl_cert_file=$TLS_DIR/server.pem -c ssl_key_file=$TLS_DIR/server.key" \
    start >&2
}

wait_ready() {
  local port="$1" deadline=$(( SECONDS + START_TIMEOUT ))
  until "$BIN_DIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

# Two `start`s at once (parallel test runs) must not both run initdb or pick ports.
take_lock() {
  mkdir -p "$PG_HOME" 2>/dev/null || die "cannot create $PG_HOME (set CROSSGATE_STATE_DIR to a writable directory)"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$PG_HOME/.lock"
    flock -w 300 9 || die "another postgres.sh holds $PG_HOME/.lock"
  fi
}

cmd_start() {
  take_lock
  ensure_binaries
  if is_running; then
    log "already running on 127.0.0.1:$(current_port)"
    return 0
  fi
  ensure_user
  prepare_dirs
  init_cluster
  make_tls
  # A server of ours may be up without answering on the recorded port (e.g. stale state): stop it.
  if as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
    as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2 || true
  fi
  local port
  port="$(current_port || true)"
  if [[ -z "$port" ]] || port_in_use "$port"; then port="$(pick_port)"; fi
  if ! start_server "$port"; then
    # The port may have been taken between picking and binding: one more try on another port.
    log "start failed on port $port; retrying on another port"
    port="$(pick_port)"
    start_server "$port" || { tail -n 30 "$LOG_FILE" >&2 || true; die "PostgreSQL did not start (log: $LOG_FILE)"; }
  fi
  echo "$port" > "$PORT_FILE"
  wait_ready "$port" || { tail -n 30 "$LOG_FILE" >&2 || true; die "PostgreSQL did not become ready on port $port within ${START_TIMEOUT}s"; }
  log "ready: postgres://postgres@127.0.0.1:$port/postgres"
}

cmd_stop() {
  take_lock
  BIN_DIR="$(find_bindir)"
  if [[ -z "$BIN_DIR" || ! -f "$DATA_DIR/PG_VERSION" ]]; then
    log "not running (no cluster)"
    return 0
  fi
  if as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
    as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2 || die "pg_ctl stop failed"
  else
    log "not running"
  fi
}

cmd_status() {
  if is_running; then
    echo "running: postgres://postgres@127.0.0.1:$(current_port)/postgres (data: $DATA_DIR)"
  else
    echo "stopped"
    exit 3
  fi
}

cmd_url() {
  local port
  port="$(current_port)" || die "no PostgreSQL port recorded in $PORT_FILE: run 'scripts/postgres.sh start' first"
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

cmd_ca() {
  [[ -s "$TLS_DIR/ca.pem" ]] || die "no CA in $TLS_DIR: run 'scripts/postgres.sh start' first"
  echo "$TLS_DIR/ca.pem"
}

case "${1:-}" in
  start) cmd_start ;;
  ca) cmd_ca ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) cmd_url ;;
  *) echo "usage: $0 start|stop|status|url|ca" >&2; exit 2 ;;
esac
