//! The answer for any path that is not a page, and for objects a user may not
//! see (the two must look the same).

use leptos::prelude::*;
use leptos_meta::Title;

/// "Not found", with a 404 status when rendered on the server.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::endpoint::set_response_status(404);
    view! {
        <Title text="Not found" />
        <section class="panel narrow">
            <h1>"Not found"</h1>
            <p>"There is nothing at this address, or you do not have access to it."</p>
            <p>
                <a href="/">"Back to the dashboard"</a>
            </p>
        </section>
    }
}
