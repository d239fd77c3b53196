//! The user interface: the HTML shell, the router and the pages.

pub mod components;
pub mod layout;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

use layout::AppLayout;
use pages::{
    account::AccountPage,
    account_record::AccountRecordPage,
    accounts::AccountsPage,
    billing::{BillingPage, StatementPage},
    contact::ContactPage,
    contacts::ContactsPage,
    dashboard::DashboardPage,
    enquire::EnquirePage,
    inbox::InboxPage,
    intake::IntakePage,
    login::{LoginPage, MfaPage, MfaSetupPage},
    matter::MatterPage,
    messages::{MessagesPage, ThreadPage},
    new_matter::NewMatterPage,
    not_found::NotFoundPage,
    outbox::OutboxPage,
    search::SearchPage,
    sessions::SessionsPage,
    set_password::{InvitePage, ResetPasswordPage, ResetRequestPage},
    settings::SettingsPage,
    stages::StagesPage,
    users::UsersPage,
    walls::WallsPage,
};

/// The HTML document around the app, rendered on the server. The stylesheet
/// and scripts carry a content hash in their names, so they can be cached for
/// a year.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=stylesheet />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: meta context, router and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::time::provide_clock_resource();
    view! {
        <Title formatter=|page: String| format!("{page} · Vellum") />
        <Router>
            <AppLayout>
                <Routes fallback=NotFoundPage>
                    // Async: the server sends the page with its data, so it reads
                    // complete before (or without) the wasm bundle.
                    <Route path=StaticSegment("") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("login") view=LoginPage />
                    <Route path=(StaticSegment("login"), StaticSegment("mfa")) view=MfaPage />
                    <Route
                        path=(StaticSegment("login"), StaticSegment("setup"))
                        view=MfaSetupPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("billing") view=BillingPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("billing"), ParamSegment("id"))
                        view=StatementPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("messages") view=MessagesPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("inbox") view=InboxPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("intake") view=IntakePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("enquire") view=EnquirePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("messages"), ParamSegment("id"))
                        view=ThreadPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("matters"), StaticSegment("new"))
                        view=NewMatterPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("matters"), ParamSegment("id"))
                        view=MatterPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("account"), StaticSegment("sessions"))
                        view=SessionsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("crm"), StaticSegment("contacts"))
                        view=ContactsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("crm"), StaticSegment("accounts"))
                        view=AccountsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("crm"), StaticSegment("accounts"), ParamSegment("id"))
                        view=AccountRecordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("crm"), StaticSegment("contacts"), ParamSegment("id"))
                        view=ContactPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("outbox"))
                        view=OutboxPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("settings"))
                        view=SettingsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("stages"))
                        view=StagesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("users"))
                        view=UsersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("walls"))
                        view=WallsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("invite"), ParamSegment("token"))
                        view=InvitePage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("reset") view=ResetRequestPage />
                    <Route
                        path=(StaticSegment("reset"), ParamSegment("token"))
                        view=ResetPasswordPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </AppLayout>
        </Router>
    }
}
