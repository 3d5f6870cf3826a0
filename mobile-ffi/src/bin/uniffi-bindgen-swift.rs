//! `uniffi-bindgen-swift` built from this workspace (same uniffi version as
//! the library): Swift sources, the C header and a module map in the layout
//! an XCFramework wants (ios/build-xcframework.sh).

fn main() {
    uniffi::uniffi_bindgen_swift()
}
