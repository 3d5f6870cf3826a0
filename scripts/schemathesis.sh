#!/usr/bin/env bash
# Fuzz the running HTTP API with schemathesis against the OpenAPI document it
# serves (GET /api/v1/openapi.yaml), checking only that no request gets a
# 5xx answer. Starts `shiori-server serve` on a free loopback port with the
# TEST setup on a throwaway SQLite database and stops it on exit.
#
# Needs: python3 with venv + pip, PyPI (first run only; the venv is reused).
# The TEST card is registered with `shiori register --virtual-card` (no
# reader) for a bearer token: the authenticated endpoints are fuzzed with it.
# An admin made with `shiori-server add-staff` logs in to the staff console,
# and its pages and forms (described for this run only in
# scripts/schemathesis-staff.yaml, with the session's CSRF token filled in)
# are fuzzed with its session cookie. At the end a table says, per
# operation, which statuses came back, and how many operations were reached
# past authentication (not only 401/403 or a redirect to the login page).
# Usage: bash scripts/schemathesis.sh
# Env:   SCHEMATHESIS_MAX_EXAMPLES (default 50 per operation)
#        SCHEMATHESIS_TIMEOUT      (all three fuzzing runs together, default 360s)
#        SCHEMATHESIS_VENV         (default ci-artifacts/schemathesis-venv)
# Exit:  non-zero on any 5xx, schemathesis error or server start failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
ARTIFACTS="$ROOT/ci-artifacts"
mkdir -p "$ARTIFACTS"

SCHEMATHESIS_VERSION=4.32.5 # supports OpenAPI 3.1 natively
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-50}
RUN_TIMEOUT=${SCHEMATHESIS_TIMEOUT:-360}
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

# An admin for the staff console run (the password is a throwaway).
STAFF_USER=fuzzadmin
STAFF_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
SHIORI_STAFF_PASSWORD="$STAFF_PASSWORD" "$ROOT/target/debug/shiori-server" \
  add-staff --config "$WORK/server.toml" --role admin "$STAFF_USER" >/dev/null

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

# --- a staff session ------------------------------------------------------------
# The login form's CSRF token belongs to the pre-session cookie; the pages'
# to the session. Both are read from the pages as a browser would.
JAR="$WORK/staff-cookies"
csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1; }
LOGIN_CSRF=$(curl -fsS -c "$JAR" "$ORIGIN/staff/login" | csrf_of)
curl -sS -o /dev/null -b "$JAR" -c "$JAR" \
  --data-urlencode "username=$STAFF_USER" --data-urlencode "password=$STAFF_PASSWORD" \
  --data-urlencode "csrf=$LOGIN_CSRF" "$ORIGIN/staff/login"
STAFF_COOKIE=$(awk '$6 == "shiori_staff" { print $7 }' "$JAR")
STAFF_CSRF=$(curl -fsS -b "$JAR" "$ORIGIN/staff/desk" | csrf_of)
[[ -n "$STAFF_COOKIE" && -n "$STAFF_CSRF" ]] \
  || { echo "logging in to the staff console failed" >&2; exit 1; }
sed "s/__CSRF__/$STAFF_CSRF/" "$ROOT/scripts/schemathesis-staff.yaml" >"$WORK/staff.yaml"

# --- the fuzzing -------------------------------------------------------------
deadline=$(( $(date +%s) + RUN_TIMEOUT ))
failed=0
# fuzz NAME SCHEMA BASE_URL [schemathesis options...]
fuzz() {
  local name=$1 schema=$2 url=$3; shift 3
  local left=$(( deadline - $(date +%s) ))
  (( left > 0 )) || { echo "no time left for the $name run" >&2; failed=1; return; }
  echo
  echo "--- schemathesis: $name (max ${left}s)"
  local status=0
  # From ci-artifacts/: schemathesis keeps its cache in ./.schemathesis/.
  (cd "$ARTIFACTS" && timeout --kill-after=10s "${left}s" \
    "$VENV/bin/schemathesis" run "$schema" \
      --url "$url" \
      --checks not_a_server_error \
      --max-examples "$MAX_EXAMPLES" \
      --request-timeout 10 \
      --seed 1 \
      --no-color \
      --report junit,har --report-dir "$ARTIFACTS/schemathesis-$name" \
      --report-har-path "$ARTIFACTS/schemathesis-$name.har" \
      "$@") || status=$?
  if (( status == 124 || status == 137 )); then
    echo "schemathesis ($name) did not finish in time" >&2
  fi
  (( status == 0 )) || failed=1
}
# With the token, everything but the two DELETEs that would end the
# session (log out, delete the account).
API="$ORIGIN/api/v1"
rm -f "$ARTIFACTS"/schemathesis-*.har
fuzz authenticated "$API/openapi.yaml" "$API" -H "Authorization: Bearer $TOKEN" \
  --exclude-name-regex '^DELETE (/api/v1)?/(me|sessions/current)$'
# Without it: protected endpoints must answer 401 to whatever token the
# fuzzer makes up, never 5xx. Their "authentication failed" warning is the
# expected outcome of this run, so it is not shown here.
fuzz anonymous "$API/openapi.yaml" "$API" \
  --warnings missing_test_data,validation_mismatch,base_url_mismatch,unused_openapi_auth
# The staff console with the admin's session and CSRF token.
fuzz staff "$WORK/staff.yaml" "$ORIGIN/staff" -H "Cookie: shiori_staff=$STAFF_COOKIE"

echo
echo "--- reached past authentication (API: authenticated + anonymous runs)"
python3 "$ROOT/scripts/lib/schemathesis_coverage.py" "$ROOT/docs/openapi.yaml" /api/v1 \
  "$ARTIFACTS/schemathesis-authenticated.har" "$ARTIFACTS/schemathesis-anonymous.har"
echo "--- reached past authentication (staff console)"
python3 "$ROOT/scripts/lib/schemathesis_coverage.py" "$WORK/staff.yaml" /staff \
  "$ARTIFACTS/schemathesis-staff.har"

if grep -q "internal error\|panicked" "$SERVER_LOG"; then
  echo "the server logged internal errors or panics:" >&2
  grep "internal error\|panicked" "$SERVER_LOG" | head -20 >&2
  failed=1
fi
exit "$failed"
