//! `uniffi-bindgen` built from this workspace, so the generator is always the
//! same uniffi version as the library it reads (scripts/bindings.sh).

fn main() {
    uniffi::uniffi_bindgen_main()
}
