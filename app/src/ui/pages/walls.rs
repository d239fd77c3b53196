//! Ethical walls at `/admin/walls`, for admins: the walls in force, a form
//! to raise one, a reason to lift each, and the point-in-time report.
//! Everyone else gets the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::walls::{
        LiftClientWall, LiftWall, RaiseWall, list_client_walls, list_wall_choices, list_walls,
    },
    domain::{
        AppError, links,
        wall::{ClientWallView, MAX_WALL_REASON_CHARS, WallChoicesView, WallView},
    },
    ui::{
        components::time::{When, page_clock},
        pages::not_found::NotFoundPage,
    },
};

/// The walls page.
#[component]
pub fn WallsPage() -> impl IntoView {
    let raise = ServerAction::<RaiseWall>::new();
    let lift = ServerAction::<LiftWall>::new();
    let lift_client = ServerAction::<LiftClientWall>::new();
    let changed = move || {
        (
            raise.version().get(),
            lift.version().get(),
            lift_client.version().get(),
        )
    };
    let walls = Resource::new(changed, |_| list_walls());
    let client_walls = Resource::new(changed, |_| list_client_walls());
    let choices = Resource::new(|| (), |()| list_wall_choices());
    let clock = page_clock();
    let error = move || {
        [
            raise.value().get().map(|r| r.map(drop)),
            lift.value().get(),
            lift_client.value().get().map(|r| r.map(drop)),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    view! {
        <Title text="Ethical walls" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the walls…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match (walls.await, client_walls.await, choices.await) {
                    (Ok(in_force), Ok(client_walls), Ok(choices)) => view! {
                        <section class="page-head">
                            <h1>"Ethical walls"</h1>
                        </section>
                        <p class="muted">
                            "A wall screens someone at the firm from a matter: they cannot see it, its documents or its messages, from the moment it is raised."
                        </p>
                        {error}
                        <RaiseForm raise choices />
                        <section class="panel" aria-labelledby="walls-heading">
                            <h2 id="walls-heading">"In force"</h2>
                            {in_force.is_empty().then(|| view! { <p class="muted">"No walls."</p> })}
                            <ul class="wall-list">
                                {in_force.into_iter().map(|wall| view! { <WallRow wall lift /> }).collect_view()}
                            </ul>
                        </section>
                        <ClientWalls walls=client_walls lift=lift_client />
                        <ReportForm />
                    }
                    .into_any(),
                    (Err(AppError::NotFound), _, _)
                    | (_, Err(AppError::NotFound), _)
                    | (_, _, Err(AppError::NotFound)) => view! { <NotFoundPage /> }.into_any(),
                    (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
                        view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Raises a wall: a matter, a person, a reason.
#[component]
fn RaiseForm(raise: ServerAction<RaiseWall>, choices: WallChoicesView) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="raise-heading">
            <h2 id="raise-heading">"Raise a wall"</h2>
            <ActionForm action=raise attr:class="form" attr:method="post">
                <label for="wall-matter">"Matter"</label>
                <select id="wall-matter" name="matter_id" required>
                    {choices.matters.into_iter().map(|(id, label)| view! {
                        <option value=id.to_string()>{label}</option>
                    }).collect_view()}
                </select>
                <label for="wall-user">"Person"</label>
                <select id="wall-user" name="user_id" required>
                    {choices.users.into_iter().map(|(id, label)| view! {
                        <option value=id.to_string()>{label}</option>
                    }).collect_view()}
                </select>
                <label for="wall-reason">"Reason"</label>
                <input id="wall-reason" type="text" name="reason" required maxlength=MAX_WALL_REASON_CHARS />
                <label class="check">
                    <input type="checkbox" name="whole_client" value="true" />
                    " Every matter of the matter's client, and those opened for it later"
                </label>
                <SubmitButton action=raise label="Raise wall" pending="Raising…" class="button primary" />
            </ActionForm>
        </section>
    }
}

/// One wall in force, with a form to lift it.
#[component]
fn WallRow(wall: WallView, lift: ServerAction<LiftWall>) -> impl IntoView {
    let reason_id = format!("lift-{}-{}", wall.matter_id, wall.user_id);
    let raised = match &wall.raised_by {
        Some(by) => format!("Raised by {by}, "),
        None => "Raised ".to_owned(),
    };
    view! {
        <li class="wall-row" data-testid="wall">
            <div class="matter-meta">
                <strong>{wall.user_name}</strong>
                " · "
                <span class="matter-number">{wall.matter_number}</span>
            </div>
            <p>{wall.reason}</p>
            <p class="muted">{raised}<When at=wall.raised_at /></p>
            <details class="editor">
                <summary>"Lift this wall"</summary>
                <ActionForm action=lift attr:class="form compact" attr:method="post">
                    <input type="hidden" name="matter_id" value=wall.matter_id.to_string() />
                    <input type="hidden" name="user_id" value=wall.user_id.to_string() />
                    <label for=reason_id.clone()>"Why lift it"</label>
                    <input id=reason_id type="text" name="reason" required maxlength=MAX_WALL_REASON_CHARS />
                    <SubmitButton action=lift label="Lift wall" pending="Lifting…" />
                </ActionForm>
            </details>
        </li>
    }
}

/// The walls on every matter of a client, each with a form to lift it
/// from all of them.
#[component]
fn ClientWalls(walls: Vec<ClientWallView>, lift: ServerAction<LiftClientWall>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="client-walls-heading">
            <h2 id="client-walls-heading">"On every matter of a client"</h2>
            <p class="muted">"These also wall each matter opened for the client later."</p>
            {walls.is_empty().then(|| view! { <p class="muted">"None."</p> })}
            <ul class="wall-list">
                {walls.into_iter().map(|wall| {
                    let reason_id = format!("lift-client-{}-{}", wall.account_id, wall.user_id);
                    view! {
                        <li class="wall-row" data-testid="client-wall">
                            <div class="matter-meta">
                                <strong>{wall.user_name}</strong>
                                " · every matter of "
                                <span>{wall.account_name}</span>
                            </div>
                            <p>{wall.reason}</p>
                            <p class="muted">"Raised " <When at=wall.raised_at /></p>
                            <details class="editor">
                                <summary>"Lift from every matter"</summary>
                                <ActionForm action=lift attr:class="form compact" attr:method="post">
                                    <input type="hidden" name="account_id" value=wall.account_id.to_string() />
                                    <input type="hidden" name="user_id" value=wall.user_id.to_string() />
                                    <label for=reason_id.clone()>"Why lift it"</label>
                                    <input id=reason_id type="text" name="reason" required maxlength=MAX_WALL_REASON_CHARS />
                                    <SubmitButton action=lift label="Lift client wall" pending="Lifting…" />
                                </ActionForm>
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Downloads who was screened from what on a day, as CSV.
#[component]
fn ReportForm() -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="report-heading">
            <h2 id="report-heading">"Report"</h2>
            // A plain GET form: the browser downloads the file itself.
            <form class="form compact" method="get" action=links::WALLS_REPORT>
                <label for="report-date">"Walls in force on"</label>
                <input id="report-date" type="date" name="date" required />
                <button class="button" type="submit">"Download CSV"</button>
            </form>
        </section>
    }
}
