//! The wasm entry point. The server renders each page; this hydrates it.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script that Leptos puts in every page.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::ui::App);
}
