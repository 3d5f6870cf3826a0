#!/usr/bin/env bash
# Verification CPU per registration, Shiori against OpenSSL's own tools on the
# same work in the same run: the signing certificate by its root, the auth
# certificate by its root (`openssl verify`), the proof by the signing key
# (`openssl dgst -sha256 -verify`). Figures go in docs/performance.md.
#
# `openssl verify` takes many certificates in one process, so its cost per
# certificate is (time for N copies − time for 1) / (N − 1). `openssl dgst`
# verifies one signature per process, so its cost is the time of N runs
# with `-verify` minus N runs of the same digest without, over N.
# Usage: bash scripts/compare-verify-openssl.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
N_CERTS=4000
N_RUNS=300

echo "== Shiori (criterion): cargo bench -p shiori-server --bench verify_registration"
SHIORI_VERIFY_EXPORT="$WORK" cargo bench -q -p shiori-server --bench verify_registration 2>/dev/null \
  | grep -E '^(parts|verify)|time:' | paste - - | sed -E 's/ +/ /g'

now=$(cat "$WORK/now")
pki=test-vectors/pki
cat <(openssl x509 -inform DER -in $pki/sign-root-g1.der) \
    <(openssl x509 -inform DER -in $pki/sign-root-g2.der) >"$WORK/sign-roots.pem"
cat <(openssl x509 -inform DER -in $pki/auth-root-g1.der) \
    <(openssl x509 -inform DER -in $pki/auth-root-g2.der) >"$WORK/auth-roots.pem"
openssl x509 -inform DER -in "$WORK/signing.der" -out "$WORK/signing.pem"
openssl x509 -inform DER -in "$WORK/auth.der" -out "$WORK/auth.pem"
openssl x509 -in "$WORK/signing.pem" -pubkey -noout >"$WORK/signing-key.pem"

# The JPKI profile's critical extensions are Shiori's to check; OpenSSL is
# asked only for the path and the signature, at the same time as the bench.
verify() { # roots cert count
  local args=() i
  for ((i = 0; i < $3; i++)); do args+=("$2"); done
  openssl verify -attime "$now" -ignore_critical -CAfile "$1" "${args[@]}" >/dev/null
}
seconds() { local t0 t1; t0=$(date +%s%N); "$@"; t1=$(date +%s%N); echo $(((t1 - t0) / 1000)); }

verify "$WORK/sign-roots.pem" "$WORK/signing.pem" 1 || { echo "openssl rejects the signing certificate" >&2; exit 1; }
verify "$WORK/auth-roots.pem" "$WORK/auth.pem" 1 || { echo "openssl rejects the auth certificate" >&2; exit 1; }
openssl dgst -sha256 -verify "$WORK/signing-key.pem" -signature "$WORK/signature.bin" "$WORK/message.bin" >/dev/null \
  || { echo "openssl rejects the proof signature" >&2; exit 1; }

per_cert() { # roots cert → µs per certificate
  local one many
  one=$(seconds verify "$1" "$2" 1)
  many=$(seconds verify "$1" "$2" "$N_CERTS")
  awk -v m="$many" -v o="$one" -v n="$N_CERTS" 'BEGIN { printf "%.1f", (m - o) / (n - 1) }'
}
sign_us=$(per_cert "$WORK/sign-roots.pem" "$WORK/signing.pem")
auth_us=$(per_cert "$WORK/auth-roots.pem" "$WORK/auth.pem")
runs() { local i; for ((i = 0; i < N_RUNS; i++)); do "$@" >/dev/null; done; }
with=$(seconds runs openssl dgst -sha256 -verify "$WORK/signing-key.pem" -signature "$WORK/signature.bin" "$WORK/message.bin")
without=$(seconds runs openssl dgst -sha256 "$WORK/message.bin")
proof_us=$(awk -v w="$with" -v o="$without" -v n="$N_RUNS" 'BEGIN { printf "%.1f", (w - o) / n }')

echo "== OpenSSL $(openssl version | cut -d' ' -f2), same run"
echo "openssl verify, signing certificate: $sign_us µs per certificate ($N_CERTS in one process)"
echo "openssl verify, auth certificate:    $auth_us µs per certificate"
echo "openssl dgst -verify, proof:         $proof_us µs (difference of $N_RUNS processes with and without -verify)"
echo "OpenSSL total for one registration:  $(awk -v a="$sign_us" -v b="$auth_us" -v c="$proof_us" 'BEGIN { printf "%.1f", a + b + c }') µs"
echo "openssl speed rsa2048 verify:        $(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {printf "%.1f µs", 1e6 / $NF}')"
