# Background processes of a local service, shared by scripts/fabric/network.sh and scripts/cometbft.sh.
# Each process <name> has $STATE/pids/<name>.pid and $STATE/logs/<name>.log, and carries
# $MARKER=<name>@$STATE in its environment: the pid file alone is not trusted, so a reused pid is
# never killed or reported as ours. The sourcing script sets STATE, MARKER and TIMEOUT and defines
# say and die.

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The low end of the kernel's ephemeral port range. A service port below it is never handed to
# another process's listen(0) or outgoing connection while the service is stopped.
ephemeral_low() { cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768; }

pid_of() {
  local f="$STATE/pids/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "$MARKER=$1@$STATE" || return 1
  echo "$pid"
}

# launch <name> <command...>: starts the command detached, its output appended to the log.
launch() {
  local name=$1; shift
  mkdir -p "$STATE/pids" "$STATE/logs"
  echo "--- $(date -u +%FT%TZ) start" >>"$STATE/logs/$name.log"
  env "$MARKER=$name@$STATE" nohup setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

# stop_process <name>: TERM, then KILL after 15 s.
stop_process() {
  local name=$1 pid deadline
  pid="$(pid_of "$name")" || { rm -f "$STATE/pids/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 15))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then say "$name did not stop on TERM, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$STATE/pids/$name.pid"
}

# kill_process <name>: SIGKILL at once, as a crash would.
kill_process() {
  local name=$1 pid
  pid="$(pid_of "$name")" || { rm -f "$STATE/pids/$name.pid"; return 0; }
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$STATE/pids/$name.pid"
}

# wait_listening <name> <port>: until the process listens on 127.0.0.1:<port>; fails if it exits.
wait_listening() {
  local name=$1 p=$2 deadline=$((SECONDS + TIMEOUT))
  until listening "$p"; do
    pid_of "$name" >/dev/null || { tail -n 30 "$STATE/logs/$name.log" >&2 || true; die "$name exited during start-up (log: $STATE/logs/$name.log)"; }
    ((SECONDS < deadline)) || die "$name did not listen on 127.0.0.1:$p within ${TIMEOUT}s (log: $STATE/logs/$name.log)"
    sleep 0.2
  done
}
