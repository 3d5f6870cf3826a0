#!/usr/bin/env bash
# Count the APDUs that Shiori, OpenSC and jpki-cli send for the same work on
# the same virtual card — the registration tap with both proofs: read the
# signing certificate (with the signing password), read the auth
# certificate, sign with the signing key, sign with the auth key (with the
# auth PIN) — from pcscd's own APDU log. Figures go in docs/card-protocol.md.
#
# Needs: root, pcscd + vsmartcard-vpcd + opensc (see .ci/run), `script`
# (util-linux), and jpki-cli: cargo install jpki-cli --root /tmp/jpki-cli-root
# It starts its own pcscd with the APDU log (and stops only that one): a
# pcscd that is already running is left alone and the script stops, since
# its APDUs cannot be counted.
# Usage: bash scripts/compare-apdus.sh [path/to/jpki-cli]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
JPKI_CLI=${1:-/tmp/jpki-cli-root/bin/jpki-cli}
WORK=$(mktemp -d)
CARD=test-vectors/cards/tanaka-hanako.json
PASSWORD=$(python3 -c "import json,sys;print(json.load(open('$CARD'))['signing_password'])")
PIN=$(python3 -c "import json,sys;print(json.load(open('$CARD'))['auth_pin'])")
READER="Virtual PCD 00 00"

cargo build -q -p shiori-cli --bin shiori --example registration_tap
if [[ -f /run/pcscd/pcscd.pid ]] && kill -0 "$(cat /run/pcscd/pcscd.pid)" 2>/dev/null; then
  echo "a pcscd is already running (pid $(cat /run/pcscd/pcscd.pid)); its APDUs are not logged: stop it first" >&2
  exit 1
fi
# Leftovers of a pcscd that did not shut down cleanly.
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
run() { local m; m=$(mark); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; count "$m"; }
# tty_run SECRET COMMAND: jpki-cli reads its secret from the terminal.
tty_run() { local m; m=$(mark); (sleep 1; printf '%s\r' "$1"; sleep 2) | script -qec "$2" /dev/null >/dev/null 2>&1; count "$m"; }

printf 'message1' >"$WORK/doc.txt"
openssl dgst -sha256 -binary "$WORK/doc.txt" >"$WORK/hash.bin"

export SHIORI_SIGNING_PASSWORD=$PASSWORD SHIORI_AUTH_PIN=$PIN
ext=$(run "$ROOT/target/debug/examples/registration_tap")
short=$(run "$ROOT/target/debug/examples/registration_tap" --short)
unset SHIORI_SIGNING_PASSWORD SHIORI_AUTH_PIN
# OpenSC's JPKI emulation: id 01 = user authentication (certificate, key,
# PIN), id 02 = digital signature.
opensc() {
  local a b c d
  a=$(run pkcs15-tool --reader "$READER" --read-certificate 02 --verify-pin --auth-id 02 --pin "$PASSWORD")
  b=$(run pkcs15-tool --reader "$READER" --read-certificate 01)
  c=$(run pkcs15-crypt --reader "$READER" --sign --key 02 --sha-256 --pkcs1 --input "$WORK/hash.bin" --output "$WORK/sig.bin" --pin "$PASSWORD")
  d=$(run pkcs15-crypt --reader "$READER" --sign --key 01 --sha-256 --pkcs1 --input "$WORK/hash.bin" --output "$WORK/asig.bin" --pin "$PIN")
  [[ -s "$WORK/sig.bin" && -s "$WORK/asig.bin" ]] || { echo "OpenSC made no signature" >&2; exit 1; }
  rm -f "$WORK/sig.bin" "$WORK/asig.bin"
  echo "$((a + b + c + d)) ($a + $b + $c + $d)"
}
opensc_default=$(opensc)
printf 'app default {\n  card_drivers = jpki;\n}\n' >"$WORK/opensc.conf"
opensc_jpki=$(OPENSC_CONF="$WORK/opensc.conf" opensc)
if [[ -x "$JPKI_CLI" ]]; then
  a=$(tty_run "$PASSWORD" "$JPKI_CLI crypto read-certificate")
  b=$(run "$JPKI_CLI" crypto -a read-certificate)
  c=$(tty_run "$PASSWORD" "$JPKI_CLI crypto sign $WORK/jsig.bin < $WORK/doc.txt")
  d=$(tty_run "$PIN" "$JPKI_CLI crypto -a sign $WORK/jasig.bin < $WORK/doc.txt")
  jpki="$((a + b + c + d)) ($a + $b + $c + $d)"
else
  jpki="not installed"
fi
echo "APDUs for: signing certificate (with password) + auth certificate + signing-key signature + auth-key signature (with PIN)"
echo "  shiori, extended length:          $ext"
echo "  shiori, short APDUs only:         $short"
echo "  OpenSC, default drivers:          $opensc_default"
echo "  OpenSC, jpki driver only:         $opensc_jpki"
echo "  jpki-cli:                         $jpki"
