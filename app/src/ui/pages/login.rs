//! The sign-in page. The form posts to `/login`, which the security core
//! (issue 3) answers; this page is the form only.

use leptos::prelude::*;
use leptos_meta::Title;

/// The sign-in form.
#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <Title text="Sign in" />
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <p class="muted">"Use the email address your firm invited you with."</p>
            <form class="form" method="post" action="/login">
                <label for="login-email">"Email"</label>
                <input
                    id="login-email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    inputmode="email"
                    maxlength="254"
                    required
                />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    maxlength="1024"
                    required
                />
                <button class="button primary" type="submit">
                    "Sign in"
                </button>
            </form>
        </section>
    }
}
