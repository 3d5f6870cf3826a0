#!/usr/bin/env bash
# JVM test of the generated Kotlin bindings: builds shiori-ffi with the test
# card (feature virtual-card), generates Kotlin in library mode, compiles
# android/jvm-test/BindingsTest.kt with kotlinc against JNA and runs it
# against a real `shiori-server serve` (TEST setup, throwaway SQLite database,
# free loopback port) that this script starts and stops.
#
# Needs: java (JDK 17), JNA (Debian libjna-java: /usr/share/java/jna.jar) and
# kotlinc (npm kotlin-compiler; KOTLINC overrides the path). Output under
# target/jvm-test (not committed). Honours CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/jvm-test"
jna="${JNA_JAR:-/usr/share/java/jna.jar}"
kotlinc="${KOTLINC:-$(command -v kotlinc || true)}"
if [ -z "$kotlinc" ]; then
  # The pinned npm kotlin-compiler (android/jvm-test/package-lock.json).
  command -v npm >/dev/null || { echo "jvm-bindings-test.sh: neither kotlinc nor npm found" >&2; exit 1; }
  npm ci --prefix android/jvm-test --no-audit --no-fund >/dev/null
  kotlinc="$root/android/jvm-test/node_modules/kotlin-compiler/bin/kotlinc"
fi
[ -x "$kotlinc" ] || { echo "jvm-bindings-test.sh: kotlinc not found (npm kotlin-compiler, or set KOTLINC)" >&2; exit 1; }
command -v java >/dev/null || { echo "jvm-bindings-test.sh: java not found (Debian openjdk-17-jdk-headless)" >&2; exit 1; }
[ -f "$jna" ] || { echo "jvm-bindings-test.sh: $jna not found (Debian libjna-java, or set JNA_JAR)" >&2; exit 1; }

cargo build -p shiori-ffi --features cli,virtual-card --lib --bin uniffi-bindgen
cargo build -p shiori-server
lib="$target_dir/debug/libshiori_ffi.so"

rm -rf "$out"
mkdir -p "$out/kotlin"
"$target_dir/debug/uniffi-bindgen" generate --no-format --language kotlin --out-dir "$out/kotlin" "$lib"
"$kotlinc" -nowarn -include-runtime -cp "$jna" -d "$out/bindings-test.jar" \
  "$out/kotlin/uniffi/shiori_ffi/shiori_ffi.kt" android/jvm-test/BindingsTest.kt

# The server the Kotlin test registers and logs in against.
# shellcheck source=lib/test-server.sh
source "$root/scripts/lib/test-server.sh"
work=$(mktemp -d /tmp/shiori-jvm-test.XXXXXX)
server_pid=""
cleanup() {
  local status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
port=$(free_port)
origin="http://127.0.0.1:$port"
server_log="$out/server.log"
(cd "$work" && SHIORI_DATABASE="$work/shiori.db" SHIORI_LISTEN="127.0.0.1:$port" \
  SHIORI_PUBLIC_ORIGIN="$origin" exec "$target_dir/debug/shiori-server" serve) >"$server_log" 2>&1 &
server_pid=$!
wait_healthy "$origin" "$server_pid" "$server_log" 60
wait_demo_catalogue "$origin" 60

java -Djna.library.path="$target_dir/debug" -cp "$out/bindings-test.jar:$jna" BindingsTestKt \
  "$root/test-vectors/cards" "$origin"
if grep -q "panicked\|internal error" "$server_log"; then
  echo "jvm-bindings-test.sh: the server logged a panic or an internal error (see $server_log)" >&2
  exit 1
fi
