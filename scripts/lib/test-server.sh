# Sourced by the scripts that run a real `shiori-server serve` for a test
# (e2e/run.sh, scripts/jvm-bindings-test.sh): a free loopback port, and a
# bounded wait until the server answers /health (never a blind sleep).

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_healthy ORIGIN PID LOG SECONDS: poll ORIGIN/health until it answers
# 2xx; fail (printing LOG) if process PID exits or SECONDS pass first.
wait_healthy() {
  local origin="$1" pid="$2" log="$3" seconds="$4"
  local deadline=$(( $(date +%s) + seconds ))
  until curl -fsS -o /dev/null "$origin/health" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2; echo "shiori-server exited before answering /health" >&2; return 1
    fi
    if (( $(date +%s) >= deadline )); then
      cat "$log" >&2; echo "shiori-server not healthy after ${seconds}s" >&2; return 1
    fi
    sleep 0.1
  done
}

# wait_demo_catalogue ORIGIN SECONDS: the TEST setup imports the demo
# catalogue at start; wait until a known title (雪国) is searchable.
wait_demo_catalogue() {
  local origin="$1" seconds="$2"
  local deadline=$(( $(date +%s) + seconds ))
  until curl -fsS "$origin/api/v1/titles?q=%E9%9B%AA%E5%9B%BD" 2>/dev/null | grep -q '"total":1'; do
    if (( $(date +%s) >= deadline )); then
      echo "the demo catalogue did not appear in ${seconds}s" >&2; return 1
    fi
    sleep 0.1
  done
}
