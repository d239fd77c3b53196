//! Opening a matter at `/matters/new`, for firm users: title, practice
//! area (its stage template gives the plan), client, responsible attorney
//! and the number, which the firm's pattern fills in. Clients get the
//! not-found page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::matters::{OpenMatter, get_matter_form},
    domain::{
        AppError,
        matter::opening::{
            MAX_MATTER_TITLE_CHARS, MAX_NUMBER_CHARS, MAX_PRACTICE_AREA_CHARS, MatterFormView,
        },
    },
    ui::{components::action_error, pages::not_found::NotFoundPage},
};

/// The new-matter page.
#[component]
pub fn NewMatterPage() -> impl IntoView {
    let form = Resource::new(|| (), |()| get_matter_form());
    let open = ServerAction::<OpenMatter>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(id)) = open.value().get() {
            navigate(&format!("/matters/{id}"), NavigateOptions::default());
        }
    });
    view! {
        <Title text="Open a matter" />
        <section class="page-head">
            <h1>"Open a matter"</h1>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(choices) => view! { <MatterForm choices open /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MatterForm(choices: MatterFormView, open: ServerAction<OpenMatter>) -> impl IntoView {
    let error = action_error(open);
    let no_clients = choices.clients.is_empty();
    view! {
        <section class="panel">
            {no_clients.then(|| view! {
                <p class="notice" role="status">"Add the client as a contact first: a matter is opened for a contact."</p>
            })}
            <ActionForm action=open attr:class="form" attr:method="post">
                <label for="matter-title">"Title"</label>
                <input id="matter-title" name="title" type="text" required maxlength=MAX_MATTER_TITLE_CHARS />
                <label for="matter-area">"Practice area"</label>
                <input
                    id="matter-area"
                    name="practice_area"
                    type="text"
                    list="practice-areas"
                    required
                    maxlength=MAX_PRACTICE_AREA_CHARS
                />
                <datalist id="practice-areas">
                    {choices.practice_areas.into_iter().map(|area| view! { <option value=area></option> }).collect_view()}
                </datalist>
                <p class="muted">"Its stage plan comes from the practice area's template, or the firm's default plan."</p>
                <label for="matter-client">"Client"</label>
                <select id="matter-client" name="client_id" required>
                    {choices.clients.into_iter().map(|(id, label)| view! {
                        <option value=id.to_string()>{label}</option>
                    }).collect_view()}
                </select>
                <label for="matter-responsible">"Responsible attorney"</label>
                <select id="matter-responsible" name="responsible_id" required>
                    {choices.attorneys.into_iter().map(|(id, name)| view! {
                        <option value=id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
                <label for="matter-number">"Number"</label>
                <input
                    id="matter-number"
                    name="number"
                    type="text"
                    value=choices.next_number
                    maxlength=MAX_NUMBER_CHARS
                />
                <p class="muted">"The next number in the firm's series; change it if you must. Numbers are unique."</p>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=open label="Open matter" pending="Opening…" class="button primary" />
            </ActionForm>
        </section>
    }
}
