#!/usr/bin/env bash
# End-to-end test of the staff console in headless Chromium.
#
# Builds and starts `shiori-server serve` (TEST setup: demo catalogue,
# branches central/east/west) on a free loopback port with a throwaway
# database, adds a staff account with `shiori-server add-staff` (password on
# stdin), registers the TEST card's patron with `shiori register
# --virtual-card`, places a hold through the API, then runs
# e2e/staff-console.mjs (playwright-core driving Debian's /usr/bin/chromium).
# Screenshots: ci-artifacts/e2e/*.png; server log: ci-artifacts/e2e/server.log.
#
# Needs: chromium (Debian), node + npm, curl, python3. With CI=true a missing
# piece fails the run; elsewhere it is reported and the run is skipped.
# Usage: bash e2e/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
ARTIFACTS="$ROOT/ci-artifacts/e2e"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png
CHROMIUM=${SHIORI_E2E_CHROMIUM:-/usr/bin/chromium}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
HEALTH_DEADLINE_SECS=60

# --- what the run needs --------------------------------------------------------
missing=()
[[ -x "$CHROMIUM" ]] || missing+=("chromium ($CHROMIUM; Debian package chromium)")
for tool in node npm curl python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if (( ${#missing[@]} )); then
  echo "e2e: missing: ${missing[*]}" >&2
  if [[ "${CI:-}" == "true" ]]; then
    echo "e2e: FAILED: CI must run the browser test, not skip it" >&2
    exit 1
  fi
  echo "e2e: SKIPPED (not CI); install the missing pieces to run it" >&2
  exit 0
fi
"$CHROMIUM" --version
echo "node $(node --version), npm $(npm --version)"

# --- playwright-core, pinned by e2e/package-lock.json ---------------------------
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

# --- the server ------------------------------------------------------------------
cargo build -q -p shiori-server -p shiori-cli
WORK=$(mktemp -d /tmp/shiori-e2e.XXXXXX)
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

# shellcheck source=../scripts/lib/test-server.sh
source "$ROOT/scripts/lib/test-server.sh"
PORT=$(free_port)
ORIGIN="http://127.0.0.1:$PORT"
export SHIORI_DATABASE="$WORK/shiori.db" SHIORI_LISTEN="127.0.0.1:$PORT" SHIORI_PUBLIC_ORIGIN="$ORIGIN"
STAFF_USER=desk1
STAFF_PASSWORD="e2e-$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"

# The staff account first (the password goes through stdin, never argv).
printf '%s\n' "$STAFF_PASSWORD" \
  | (cd "$WORK" && "$TARGET/debug/shiori-server" add-staff --role staff "$STAFF_USER") \
  >"$ARTIFACTS/add-staff.log" 2>&1 \
  || { cat "$ARTIFACTS/add-staff.log"; echo "e2e: add-staff failed" >&2; exit 1; }

SERVER_LOG="$ARTIFACTS/server.log"
(cd "$WORK" && exec "$TARGET/debug/shiori-server" serve) >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
echo "shiori-server pid $SERVER_PID on $ORIGIN, log $SERVER_LOG"
wait_healthy "$ORIGIN" "$SERVER_PID" "$SERVER_LOG" "$HEALTH_DEADLINE_SECS"
wait_demo_catalogue "$ORIGIN" "$HEALTH_DEADLINE_SECS"

# --- a real patron with a hold ------------------------------------------------------
mkdir -p "$WORK/xdg"
XDG_CONFIG_HOME="$WORK/xdg" SHIORI_SIGNING_PASSWORD=HANAKO1990 SHIORI_AUTH_PIN=1234 \
  "$TARGET/debug/shiori" --lang en register --server "$ORIGIN" \
    --virtual-card test-vectors/cards/tanaka-hanako.json --email hanako@example.jp \
    >"$ARTIFACTS/register.log" 2>&1 \
  || { cat "$ARTIFACTS/register.log"; echo "e2e: registering the TEST card failed" >&2; exit 1; }
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);process.stdout.write(String($1))})"; }
PATRON_TOKEN=$(json 'v.token' <"$WORK/xdg/shiori/session.json")
auth=(-H "Authorization: Bearer $PATRON_TOKEN")
ME=$(curl -fsS "${auth[@]}" "$ORIGIN/api/v1/me")
CARD=$(json 'v.card_number' <<<"$ME")
PATRON_NAME=$(json 'v.name' <<<"$ME")
CARD_JSON=$(curl -fsS "${auth[@]}" "$ORIGIN/api/v1/me/card")
CARD_SCAN=$(json 'v.barcode_payload' <<<"$CARD_JSON")
CARD_HUMAN=$(json 'v.human_readable' <<<"$CARD_JSON")
# 雪国: one copy, at the west branch; the hold is picked up there.
TITLE=雪国
BRANCH=west
TITLE_ID=$(curl -fsS "$ORIGIN/api/v1/titles?q=%E9%9B%AA%E5%9B%BD" | json 'v.titles[0].id')
ITEM=$(curl -fsS "$ORIGIN/api/v1/titles/$TITLE_ID" | json "v.items.find(i=>i.branch==='$BRANCH').barcode")
curl -fsS "${auth[@]}" -H 'Content-Type: application/json' \
  -d "{\"title_id\": $TITLE_ID, \"pickup_branch\": \"$BRANCH\"}" \
  "$ORIGIN/api/v1/me/holds" >"$ARTIFACTS/hold.json"
echo "patron card $CARD_HUMAN (scanned as $CARD_SCAN), hold on $TITLE ($ITEM) at $BRANCH"

# --- the browser ---------------------------------------------------------------------
ORIGIN="$ORIGIN" STAFF_USER="$STAFF_USER" STAFF_PASSWORD="$STAFF_PASSWORD" \
CARD_SCAN="$CARD_SCAN" CARD_HUMAN="$CARD_HUMAN" PATRON_NAME="$PATRON_NAME" \
PATRON_TOKEN="$PATRON_TOKEN" ITEM="$ITEM" TITLE="$TITLE" BRANCH="$BRANCH" \
SCREENSHOTS="$ARTIFACTS" CHROMIUM="$CHROMIUM" \
  timeout --kill-after=10s 300s node e2e/staff-console.mjs
ls "$ARTIFACTS"/*.png
if grep -q "panicked\|internal error" "$SERVER_LOG"; then
  echo "e2e: the server logged internal errors or panics:" >&2
  grep "panicked\|internal error" "$SERVER_LOG" | head -20 >&2
  exit 1
fi
