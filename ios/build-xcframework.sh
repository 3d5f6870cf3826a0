#!/usr/bin/env bash
# Build ShioriFFI.xcframework (the Rust core as a static library for iPhone
# and the simulator) and generate its Swift bindings into ios/Generated/.
#
#   ios/build-xcframework.sh          # from the repository root, or any cwd
#
# Needs macOS with Xcode (xcodebuild, lipo), rustup and the iOS Rust targets.
# Honours CARGO_TARGET_DIR. Outputs (both git-ignored, see ios/.gitignore):
#   ios/ShioriFFI.xcframework   static libshiori_ffi.a per platform + C header
#                               + module.modulemap (Clang module shiori_ffiFFI)
#   ios/Generated/shiori_ffi.swift   compiled into the app target (project.yml)
set -euo pipefail

die() { echo "build-xcframework.sh: $*" >&2; exit 1; }

ios_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$ios_dir/.." && pwd)"
cd "$root"

[ "$(uname -s)" = Darwin ] ||
  die "needs macOS with Xcode (xcodebuild, lipo); this is $(uname -s). The Swift bindings alone can be checked on Linux with scripts/bindings.sh."
command -v xcodebuild >/dev/null 2>&1 && xcodebuild -version >/dev/null 2>&1 ||
  die "Xcode not found or not selected: install Xcode 15+ and run 'sudo xcode-select -s /Applications/Xcode.app'."
command -v lipo >/dev/null 2>&1 || die "lipo not found (part of Xcode's command line tools)."
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup (https://rustup.rs)."

device_target=aarch64-apple-ios
sim_targets=(aarch64-apple-ios-sim x86_64-apple-ios)
all_targets=("$device_target" "${sim_targets[@]}")

if command -v rustup >/dev/null 2>&1; then
  installed="$(rustup target list --installed)"
  missing=()
  for t in "${all_targets[@]}"; do
    grep -qx "$t" <<<"$installed" || missing+=("$t")
  done
  if [ "${#missing[@]}" -ne 0 ]; then
    die "missing Rust targets: ${missing[*]}. Install them with:
    rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios"
  fi
else
  echo "build-xcframework.sh: rustup not found; assuming the iOS targets are installed" >&2
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
# Match the app's deployment target (project.yml) so the C parts of the
# dependencies are not built for a newer iOS than the app.
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-15.0}"

# 1. The library for each target (release: the app ships it).
for t in "${all_targets[@]}"; do
  echo "==> cargo build shiori-ffi for $t"
  cargo build --release -p shiori-ffi --lib --target "$t"
done

device_lib="$target_dir/$device_target/release/libshiori_ffi.a"
for t in "${all_targets[@]}"; do
  [ -f "$target_dir/$t/release/libshiori_ffi.a" ] ||
    die "$target_dir/$t/release/libshiori_ffi.a was not built"
done

# 2. One fat static library for the simulator (Apple silicon + Intel Macs):
#    an XCFramework holds one library per platform, not per architecture.
sim_dir="$target_dir/ios-simulator-universal/release"
mkdir -p "$sim_dir"
sim_lib="$sim_dir/libshiori_ffi.a"
echo "==> lipo simulator libraries"
lipo -create \
  "$target_dir/aarch64-apple-ios-sim/release/libshiori_ffi.a" \
  "$target_dir/x86_64-apple-ios/release/libshiori_ffi.a" \
  -output "$sim_lib"

# 3. The generator, built for this Mac from this workspace so it shares the
#    library's uniffi version. Library mode: it reads the metadata from the
#    compiled (device) library, so the bindings match what is linked.
echo "==> cargo build uniffi-bindgen-swift"
cargo build --release -p shiori-ffi --features cli --bin uniffi-bindgen-swift
bindgen="$target_dir/release/uniffi-bindgen-swift"
[ -x "$bindgen" ] || die "$bindgen was not built"

generated="$ios_dir/Generated"
headers="$target_dir/ios-xcframework/include"
rm -rf "$generated" "$headers"
mkdir -p "$generated" "$headers"

echo "==> generate Swift sources, C header and module map"
"$bindgen" --swift-sources "$device_lib" "$generated"
"$bindgen" --headers "$device_lib" "$headers"
# The module map must be called module.modulemap for Xcode to find it in an
# XCFramework's Headers. No --xcframework here: that flag writes
# `framework module`, which is right for a .framework bundle but not for this
# XCFramework of plain static libraries (-library/-headers): Clang would look
# for the header under a Headers/ subdirectory and not find it
# (mozilla/uniffi-rs#2646). A plain `module shiori_ffiFFI` resolves the header
# next to the module map.
"$bindgen" --modulemap --module-name shiori_ffiFFI --modulemap-filename module.modulemap \
  "$device_lib" "$headers"

for f in "$generated/shiori_ffi.swift" "$headers/shiori_ffiFFI.h" "$headers/module.modulemap"; do
  [ -s "$f" ] || die "the generator did not write $f"
done
grep -q '^module shiori_ffiFFI' "$headers/module.modulemap" ||
  die "unexpected module map: $headers/module.modulemap"

# 4. The XCFramework: device library and simulator library, same headers.
xcframework="$ios_dir/ShioriFFI.xcframework"
rm -rf "$xcframework"
echo "==> xcodebuild -create-xcframework"
xcodebuild -create-xcframework \
  -library "$device_lib" -headers "$headers" \
  -library "$sim_lib" -headers "$headers" \
  -output "$xcframework"

echo "build-xcframework.sh: done"
echo "  $xcframework"
echo "  $generated/shiori_ffi.swift"
echo "Next: cd ios && xcodegen generate && open Shiori.xcodeproj"
