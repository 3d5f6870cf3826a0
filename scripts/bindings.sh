#!/usr/bin/env bash
# Generate the Kotlin and Swift bindings of shiori-ffi in uniffi library mode,
# with the uniffi-bindgen built from this workspace (same uniffi version as
# the library), and check the Swift output is complete.
#
#   scripts/bindings.sh            # debug build, output in target/bindings/
#   PROFILE=release scripts/bindings.sh
#
# The output is generated, never committed. Honours CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
profile="${PROFILE:-debug}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/bindings"

profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)

# One cargo invocation: the library and the generator with the same features.
cargo build "${profile_flag[@]}" -p shiori-ffi --features cli --lib --bin uniffi-bindgen

case "$(uname -s)" in
  Darwin) lib="$target_dir/$profile/libshiori_ffi.dylib" ;;
  *) lib="$target_dir/$profile/libshiori_ffi.so" ;;
esac
bindgen="$target_dir/$profile/uniffi-bindgen"
[ -f "$lib" ] || { echo "bindings.sh: $lib was not built" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/kotlin" "$out/kotlin-android" "$out/swift"
# --no-format: no ktlint/swiftformat needed; output is the same everywhere.
"$bindgen" generate --no-format --language kotlin --out-dir "$out/kotlin" "$lib"
"$bindgen" generate --no-format --language swift --out-dir "$out/swift" "$lib"
# The Android app's variant (android/build-rust.sh uses the same config).
"$bindgen" generate --no-format --language kotlin --config android/uniffi-android.toml \
  --out-dir "$out/kotlin-android" "$lib"

fail=0
need() { # need FILE PATTERN...: FILE exists and contains every PATTERN
  local file="$1"; shift
  if [ ! -s "$file" ]; then
    echo "bindings.sh: missing or empty: $file" >&2; fail=1; return
  fi
  local p
  for p in "$@"; do
    grep -q -- "$p" "$file" || { echo "bindings.sh: $file does not mention $p" >&2; fail=1; }
  done
}

exported=(card_status read_basic_facts registration_tap login_tap library_card_barcode_png
  library_card_barcode_svg)
header_symbols=()
for f in "${exported[@]}"; do header_symbols+=("uniffi_shiori_ffi_fn_func_$f"); done

need "$out/swift/shiori_ffi.swift" \
  "func cardStatus(" "func readBasicFacts(" "func libraryCardBarcodePng(" \
  "func libraryCardBarcodeSvg(" "func registrationTap(" "func loginTap(" \
  "protocol NfcLink" "enum CardError" "enum ServerError" "reason" \
  "class LibraryServer" "func registrationChallenge(" "func register(" "func login(" \
  "func search(" "func placeHold(" "func sessionToken(" "func restoreSession(" \
  "class RegistrationProof" "func facts(" "struct Patron" "struct Hold"
need "$out/swift/shiori_ffiFFI.h" "${header_symbols[@]}"
need "$out/swift/shiori_ffiFFI.modulemap" "shiori_ffiFFI.h"
need "$out/kotlin/uniffi/shiori_ffi/shiori_ffi.kt" \
  "fun \`cardStatus\`(\|fun cardStatus(" "interface NfcLink" "class LibraryServer" \
  "sealed class ServerException" "${header_symbols[@]}"
# android = true took effect (a config in the wrong shape is only a warning).
need "$out/kotlin-android/uniffi/shiori_ffi/shiori_ffi.kt" \
  "import android.os.Build" "AndroidSystemCleaner" "class LibraryServer"

if [ "$fail" -ne 0 ]; then
  echo "bindings.sh: generated bindings are incomplete" >&2
  exit 1
fi
echo "bindings.sh: Kotlin and Swift bindings in $out"
find "$out" -type f | sort
