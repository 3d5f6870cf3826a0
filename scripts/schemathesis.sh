#!/usr/bin/env bash
# Fuzz the running HTTP API with schemathesis against the OpenAPI document it
# serves (GET /api/v1/openapi.yaml), checking only that no request gets a
# 5xx answer. Starts `shiori-server serve` on a free loopback port with the
# TEST setup on a throwaway SQLite database and stops it on exit.
#
# Needs: python3 with venv + pip, PyPI (first run only; the venv is reused).
# The TEST card is registered with `shiori register --virtual-card` (no
# reader) for a bearer token: the authenticated endpoints are fuzzed with it.
# Usage: bash scripts/schemathesis.sh
# Env:   SCHEMATHESIS_MAX_EXAMPLES (default 50 per operation)
#        SCHEMATHESIS_TIMEOUT      (both fuzzing runs together, default 240s)
#        SCHEMATHESIS_VENV         (default ci-artifacts/schemathesis-venv)
# Exit:  non-zero on any 5xx, schemathesis error or server start failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
ARTIFACTS="$ROOT/ci-artifacts"
mkdir -p "$ARTIFACTS"

SCHEMATHESIS_VERSION=4.32.5 # supports OpenAPI 3.1 natively
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-50}
RUN_TIMEOUT=${SCHEMATHESIS_TIMEOUT:-240}
VENV=${SCHEMATHESIS_VENV:-$ARTIFACTS/schemathesis-venv}

# --- schemathesis in a venv (pinned) ---------------------------------------
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version

# --- the server -------------------------------------------------------------
cargo build -q -p shiori-server -p shiori-cli
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  local status=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

# shellcheck source=lib/test-server.sh
source "$ROOT/scripts/lib/test-server.sh"
PORT=$(free_port)
ORIGIN="http://127.0.0.1:$PORT"
VECTORS="$ROOT/test-vectors"
# The TEST defaults (Config::test_defaults) with our own address and database.
cat >"$WORK/server.toml" <<EOF
listen = "127.0.0.1:$PORT"
public_origin = "$ORIGIN"
database = "$WORK/shiori.db"
policy = "test"
crl_dir = "$VECTORS/crl"

[trust_anchors]
signing = ["$VECTORS/pki/sign-root-g1.der", "$VECTORS/pki/sign-root-g2.der"]
auth = ["$VECTORS/pki/auth-root-g1.der", "$VECTORS/pki/auth-root-g2.der"]

[[branches]]
code = "central"
name = "中央図書館"

[[branches]]
code = "east"
name = "東分館"

[card_numbers]
prefix = "0290"
length = 10
check_digit = "seven_dsr"
hyphen_before_check = true
EOF

SERVER_LOG="$ARTIFACTS/schemathesis-server.log"
"$ROOT/target/debug/shiori-server" serve --config "$WORK/server.toml" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
echo "shiori-server pid $SERVER_PID on $ORIGIN, log $SERVER_LOG"
wait_healthy "$ORIGIN" "$SERVER_PID" "$SERVER_LOG" 30

# --- a real session -----------------------------------------------------------
# Register the TEST card in-process (no reader) for a bearer token, so the
# authenticated endpoints are fuzzed past the 401 too.
CLI_HOME="$WORK/xdg"
mkdir -p "$CLI_HOME"
XDG_CONFIG_HOME="$CLI_HOME" SHIORI_SIGNING_PASSWORD=HANAKO1990 SHIORI_AUTH_PIN=1234 \
  "$ROOT/target/debug/shiori" --lang en register --server "$ORIGIN" \
    --virtual-card test-vectors/cards/tanaka-hanako.json --email a@b.jp \
    >"$ARTIFACTS/schemathesis-register.log" 2>&1 \
  || { cat "$ARTIFACTS/schemathesis-register.log"; echo "registering the TEST card failed" >&2; exit 1; }
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$CLI_HOME/shiori/session.json")

# --- the fuzzing -------------------------------------------------------------
deadline=$(( $(date +%s) + RUN_TIMEOUT ))
failed=0
fuzz() {
  local name=$1; shift
  local left=$(( deadline - $(date +%s) ))
  (( left > 0 )) || { echo "no time left for the $name run" >&2; failed=1; return; }
  echo
  echo "--- schemathesis: $name (max ${left}s)"
  local status=0
  # From ci-artifacts/: schemathesis keeps its cache in ./.schemathesis/.
  (cd "$ARTIFACTS" && timeout --kill-after=10s "${left}s" \
    "$VENV/bin/schemathesis" run "$ORIGIN/api/v1/openapi.yaml" \
      --url "$ORIGIN/api/v1" \
      --checks not_a_server_error \
      --max-examples "$MAX_EXAMPLES" \
      --request-timeout 10 \
      --seed 1 \
      --no-color \
      --report junit --report-dir "$ARTIFACTS/schemathesis-$name" \
      "$@") || status=$?
  if (( status == 124 || status == 137 )); then
    echo "schemathesis ($name) did not finish in time" >&2
  fi
  (( status == 0 )) || failed=1
}
# With the token, everything but the DELETEs (they would end the session).
fuzz authenticated -H "Authorization: Bearer $TOKEN" --exclude-method DELETE
# Without it: protected endpoints must answer 401 to whatever token the
# fuzzer makes up, never 5xx.
fuzz anonymous

if grep -q "internal error\|panicked" "$SERVER_LOG"; then
  echo "the server logged internal errors or panics:" >&2
  grep "internal error\|panicked" "$SERVER_LOG" | head -20 >&2
  failed=1
fi
exit "$failed"
