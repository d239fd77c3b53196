//! The intake list at `/intake` (issue 13, point 2): leads longest-waiting
//! first, each with its response clock in business hours, a breach marked;
//! a form to add a lead by hand, and one to record the first response.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::intake::{AddLead, RecordFirstResponse, list_leads},
    domain::{
        AppError,
        intake::{IntakeView, LeadView, RESPONSE_KINDS},
    },
    ui::{
        components::{
            action_error,
            enquiry_fields::EnquiryFields,
            forms::{DoneNote, SubmitButton, announce, reset_on_success},
            time::{When, page_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The intake page.
#[component]
pub fn IntakePage() -> impl IntoView {
    let add = ServerAction::<AddLead>::new();
    let answer = ServerAction::<RecordFirstResponse>::new();
    let leads = Resource::new(
        move || (add.version().get(), answer.version().get()),
        |_| list_leads(),
    );
    let clock = page_clock();
    let done = RwSignal::new(None);
    announce(add, done, |_: &String| "Lead added.".to_owned());
    view! {
        <Title text="Intake" />
        <Suspense fallback=|| view! { <p class="muted">"Loading leads…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match leads.await {
                    Ok(view) => view! {
                        <section class="page-head">
                            <h1>"Intake"</h1>
                            <p class="muted">
                                {format!(
                                    "Enquiries waiting longest come first. The clock counts business hours; the target is {} minutes.",
                                    view.target_minutes
                                )}
                            </p>
                        </section>
                        <LeadList view answer />
                        <AddLeadForm add done />
                    }
                    .into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LeadList(view: IntakeView, answer: ServerAction<RecordFirstResponse>) -> impl IntoView {
    if view.leads.is_empty() {
        return view! { <p class="muted">"No enquiries yet."</p> }.into_any();
    }
    let target = view.target_minutes;
    let error = action_error(answer);
    view! {
        {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        <ul class="lead-list">
            {view.leads.into_iter().map(|lead| view! { <LeadRow lead target answer /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn LeadRow(
    lead: LeadView,
    target: i64,
    answer: ServerAction<RecordFirstResponse>,
) -> impl IntoView {
    let breached = lead.clock.breached();
    let clock_text = lead.clock.describe(target);
    let waiting = lead.first_response.is_none();
    let heading = format!("{} · {}", lead.name, lead.topic);
    let contact = [
        lead.email.clone(),
        lead.phone.clone(),
        lead.organisation.clone(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    let kind_id = format!("answer-{}", lead.id);
    let form = waiting.then(|| {
        let id = lead.id.clone();
        view! {
            <ActionForm action=answer attr:class="inline-form" attr:method="post">
                <input type="hidden" name="lead_id" value=id />
                <label for=kind_id.clone()>"First response"</label>
                <select id=kind_id name="kind">
                    {RESPONSE_KINDS.iter().map(|(k, label)| view! { <option value=*k>{*label}</option> }).collect_view()}
                </select>
                <SubmitButton action=answer label="Record response" pending="Recording…" />
            </ActionForm>
        }
    });
    view! {
        <li class="lead" class:breached=breached data-testid="lead">
            <h2 class="lead-name">{heading}</h2>
            <p class="muted">{contact}</p>
            <p class="muted">{lead.source} " · arrived " <When at=lead.arrived_at /></p>
            <p class="lead-clock" class:overdue=breached>
                {clock_text}
                {breached.then_some(" — past the target")}
                {lead.first_response.map(|how| format!(" ({how})"))}
            </p>
            {(!lead.details.is_empty()).then(|| view! { <p class="lead-details">{lead.details}</p> })}
            {form}
        </li>
    }
}

#[component]
fn AddLeadForm(add: ServerAction<AddLead>, done: RwSignal<Option<String>>) -> impl IntoView {
    let error = action_error(add);
    view! {
        <section class="panel" aria-labelledby="add-lead-heading">
            <details class="editor">
                <summary id="add-lead-heading">"Add a lead by hand"</summary>
                <ActionForm action=add node_ref=reset_on_success(add) attr:class="form" attr:method="post">
                    <EnquiryFields prefix="lead" />
                    // Staff take the caller's consent on the phone.
                    <input type="hidden" name="enquiry[consent]" value="on" />
                    {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <SubmitButton action=add label="Add lead" pending="Adding…" class="button primary" />
                </ActionForm>
            </details>
            <DoneNote note=done />
        </section>
    }
}
