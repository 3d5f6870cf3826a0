#!/usr/bin/env bash
# Count the APDUs that Shiori, OpenSC and jpki-cli send for the same work on
# the same virtual card — read the signing certificate (with the signing
# password), read the auth certificate, make one signature — from pcscd's own
# APDU log. Figures go in docs/card-protocol.md.
#
# Needs: root, pcscd + vsmartcard-vpcd + opensc (see .ci/run), `script`
# (util-linux), and jpki-cli: cargo install jpki-cli --root /tmp/jpki-cli-root
# Usage: bash scripts/compare-apdus.sh [path/to/jpki-cli]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
JPKI_CLI=${1:-/tmp/jpki-cli-root/bin/jpki-cli}
WORK=$(mktemp -d)
CARD=test-vectors/cards/tanaka-hanako.json
PASSWORD=$(python3 -c "import json,sys;print(json.load(open('$CARD'))['signing_password'])")
READER="Virtual PCD 00 00"

cargo build -q -p shiori-cli --bin shiori --example registration_tap
pkill -x pcscd 2>/dev/null || true
rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
pcscd --foreground --debug --apdu >"$WORK/pcscd.log" 2>&1 &
PCSCD=$!
"$ROOT/target/debug/shiori" virtual-card --card "$CARD" >"$WORK/vc.log" 2>&1 &
VC=$!
trap 'kill $VC $PCSCD 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q '^ready' "$WORK/vc.log" && break; sleep 0.1; done
grep -q '^ready' "$WORK/vc.log" || { echo "virtual card not ready" >&2; exit 1; }

mark() { wc -l <"$WORK/pcscd.log"; }
count() { sed -n "$1,\$p" "$WORK/pcscd.log" | grep -c 'APDU:' || true; }
run() { local m; m=$(mark); "$@" >/dev/null 2>&1; count "$m"; }
tty_run() { local m; m=$(mark); (sleep 1; printf '%s\r' "$PASSWORD"; sleep 2) | script -qec "$1" /dev/null >/dev/null 2>&1; count "$m"; }

printf 'message1' >"$WORK/doc.txt"
openssl dgst -sha256 -binary "$WORK/doc.txt" >"$WORK/hash.bin"

ext=$(SHIORI_SIGNING_PASSWORD=$PASSWORD run "$ROOT/target/debug/examples/registration_tap")
short=$(SHIORI_SIGNING_PASSWORD=$PASSWORD run "$ROOT/target/debug/examples/registration_tap" --short)
opensc() {
  local a b c
  a=$(run pkcs15-tool --reader "$READER" --read-certificate 02 --verify-pin --auth-id 02 --pin "$PASSWORD")
  b=$(run pkcs15-tool --reader "$READER" --read-certificate 01)
  c=$(run pkcs15-crypt --reader "$READER" --sign --key 02 --sha-256 --pkcs1 --input "$WORK/hash.bin" --output "$WORK/sig.bin" --pin "$PASSWORD")
  echo "$((a + b + c)) ($a + $b + $c)"
}
opensc_default=$(opensc)
printf 'app default {\n  card_drivers = jpki;\n}\n' >"$WORK/opensc.conf"
opensc_jpki=$(OPENSC_CONF="$WORK/opensc.conf" opensc)
if [[ -x "$JPKI_CLI" ]]; then
  a=$(tty_run "$JPKI_CLI crypto read-certificate")
  b=$(run "$JPKI_CLI" crypto -a read-certificate)
  c=$(tty_run "$JPKI_CLI crypto sign $WORK/jsig.bin < $WORK/doc.txt")
  jpki="$((a + b + c)) ($a + $b + $c)"
else
  jpki="not installed"
fi
echo "APDUs for: signing certificate (with password) + auth certificate + one signature"
echo "  shiori, extended length:          $ext"
echo "  shiori, short APDUs only:         $short"
echo "  OpenSC, default drivers:          $opensc_default"
echo "  OpenSC, jpki driver only:         $opensc_jpki"
echo "  jpki-cli:                         $jpki"
