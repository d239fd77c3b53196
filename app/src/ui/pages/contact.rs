//! A contact's CRM record at `/crm/contacts/{id}`: their details (owner,
//! referral, tags, notes), edited in place; their relationships; archiving;
//! the matters they follow in the portal; and their timeline of portal
//! touchpoints, calls, emails and notes, newest first, fifty at a time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::crm::{
        AddRelationship, RemoveRelationship, SetContactArchived, UpdateContact, get_contact_record,
        get_contact_timeline,
    },
    domain::{
        contact::{
            ContactRecordView, MAX_CONTACT_NOTES_CHARS, MAX_DETAIL_CHARS, REFERRAL_SOURCES,
            RELATIONSHIP_KINDS, referral_label,
        },
        touchpoint::{TimelineLine, TouchpointView, fold_visits},
        user::{MAX_EMAIL_LEN, MAX_NAME_CHARS},
    },
    ui::{
        components::{
            action_error,
            time::{When, page_clock, use_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The forms of the record, whose every success reloads it.
#[derive(Clone, Copy)]
struct RecordActions {
    save: ServerAction<UpdateContact>,
    archive: ServerAction<SetContactArchived>,
    relate: ServerAction<AddRelationship>,
    unrelate: ServerAction<RemoveRelationship>,
}

impl RecordActions {
    fn version(self) -> (usize, usize, usize, usize) {
        (
            self.save.version().get(),
            self.archive.version().get(),
            self.relate.version().get(),
            self.unrelate.version().get(),
        )
    }
}

/// The contact page.
#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = RecordActions {
        save: ServerAction::new(),
        archive: ServerAction::new(),
        relate: ServerAction::new(),
        unrelate: ServerAction::new(),
    };
    let record = Resource::new(
        move || (id(), actions.version()),
        |(id, _)| get_contact_record(id),
    );
    let first = Resource::new(
        move || (id(), actions.version()),
        |(id, _)| get_contact_timeline(id, None, None),
    );
    let clock = page_clock();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the contact…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match (record.await, first.await) {
                    (Ok(record), Ok(page)) => view! {
                        <Title text=page.name.clone() />
                        <section class="page-head">
                            <div>
                                <h1>{page.name.clone()}</h1>
                                <p class="muted">
                                    {page.email.clone().unwrap_or_default()}
                                    {page.account_name.clone().map(|a| format!(" · {a}"))}
                                </p>
                            </div>
                        </section>
                        <ContactDetails record=record.clone() actions />
                        <Relationships record actions />
                        <section class="panel" aria-labelledby="portal-heading">
                            <h2 id="portal-heading">"Portal access"</h2>
                            {page.portal_matters.is_empty().then(|| view! {
                                <p class="muted">"No matters in the portal. Give access from a matter's page."</p>
                            })}
                            <ul class="links" data-testid="portal-matters">
                                {page.portal_matters.clone().into_iter().map(|(id, label)| view! {
                                    <li><a href=format!("/matters/{id}")>{label}</a></li>
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="panel" aria-labelledby="timeline-heading">
                            <h2 id="timeline-heading">"Timeline"</h2>
                            <Timeline id=id() first=page.entries has_more=page.has_more />
                        </section>
                    }.into_any(),
                    _ => view! { <NotFoundPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The details, the archive button and the edit form.
#[component]
fn ContactDetails(record: ContactRecordView, actions: RecordActions) -> impl IntoView {
    let archived = record.archived_at.is_some();
    let archive_error = action_error(actions.archive);
    let dash = || "—".to_owned();
    let referral = match (&record.referred_by, &record.referral_source) {
        (Some((_, name)), _) => format!("Referred by {name}"),
        (None, Some(source)) => referral_label(source).to_owned(),
        (None, None) => dash(),
    };
    let account = record
        .account
        .as_ref()
        .map_or_else(dash, |(_, name)| match &record.role {
            Some(role) => format!("{name} · {role}"),
            None => name.clone(),
        });
    let rows = [
        ("Email", record.email.clone().unwrap_or_else(dash)),
        ("Phone", record.phone.clone().unwrap_or_else(dash)),
        ("Address", record.address.clone().unwrap_or_else(dash)),
        ("Account", account),
        (
            "Owner",
            record
                .owner
                .as_ref()
                .map_or_else(dash, |(_, name)| name.clone()),
        ),
        ("Source", referral),
    ];
    view! {
        <section class="panel" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            {record.archived_at.map(|at| view! {
                <p class="notice" role="status" data-testid="archived-banner">
                    {format!("Archived on {}. Their history stays; restore them to work with them again.", use_clock().date(at))}
                </p>
            })}
            <dl class="details" data-testid="contact-details">
                {rows.into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
                <dt>"Also at"</dt>
                <dd data-testid="account-links">
                    {record.account_links.is_empty().then(dash)}
                    {record.account_links.iter().map(|(id, name, role)| view! {
                        <a href=format!("/crm/accounts/{id}")>{format!("{name} · {role}")}</a>
                        " "
                    }).collect_view()}
                </dd>
                <dt>"Tags"</dt>
                <dd>
                    {record.tags.is_empty().then(dash)}
                    {record.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> " " }).collect_view()}
                </dd>
                <dt>"Notes"</dt>
                <dd class="notes">{if record.notes.is_empty() { dash() } else { record.notes.clone() }}</dd>
            </dl>
            <EditForm record=record.clone() save=actions.save />
            <ActionForm action=actions.archive attr:class="form compact archive-form" attr:method="post">
                <input type="hidden" name="id" value=record.id.to_string() />
                <input type="hidden" name="archived" value=(!archived).to_string() />
                {move || archive_error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <SubmitButton
                    action=actions.archive
                    label=if archived { "Restore contact" } else { "Archive contact" }
                    pending=if archived { "Restoring…" } else { "Archiving…" }
                />
            </ActionForm>
        </section>
    }
}

/// "Edit contact": every detail, in one form.
#[component]
fn EditForm(record: ContactRecordView, save: ServerAction<UpdateContact>) -> impl IntoView {
    let error = action_error(save);
    let saved = move || {
        matches!(save.value().get(), Some(Ok(())))
            .then(|| view! { <p class="notice" role="status">"Contact saved."</p> })
    };
    let account_id = record
        .account
        .as_ref()
        .map(|(id, _)| id.to_string())
        .unwrap_or_default();
    let owner_id = record
        .owner
        .as_ref()
        .map(|(id, _)| id.to_string())
        .unwrap_or_default();
    let referred_by = record
        .referred_by
        .as_ref()
        .map(|(id, _)| id.to_string())
        .unwrap_or_default();
    let source = record.referral_source.clone().unwrap_or_default();
    view! {
        <details class="editor">
            <summary>"Edit contact"</summary>
            <ActionForm action=save attr:class="form" attr:method="post">
                <input type="hidden" name="id" value=record.id.to_string() />
                <label for="edit-name">"Name"</label>
                <input id="edit-name" name="contact[name]" type="text" required maxlength=MAX_NAME_CHARS value=record.name.clone() />
                <label for="edit-email">"Email"</label>
                <input id="edit-email" name="contact[email]" type="email" inputmode="email" maxlength=MAX_EMAIL_LEN value=record.email.clone().unwrap_or_default() />
                <label for="edit-phone">"Phone"</label>
                <input id="edit-phone" name="contact[phone]" type="tel" maxlength=MAX_DETAIL_CHARS value=record.phone.clone().unwrap_or_default() />
                <label for="edit-address">"Address"</label>
                <textarea id="edit-address" name="contact[address]" rows="2" maxlength=MAX_DETAIL_CHARS>{record.address.clone().unwrap_or_default()}</textarea>
                <label for="edit-account">"Account"</label>
                <select id="edit-account" name="contact[account_id]">
                    <option value="">"No account (a private client)"</option>
                    {record.accounts.iter().map(|(id, name)| {
                        let selected = id.to_string() == account_id;
                        view! { <option value=id.to_string() selected=selected>{name.clone()}</option> }
                    }).collect_view()}
                </select>
                <label for="edit-role">"Role at the account"</label>
                <input id="edit-role" name="contact[role]" type="text" maxlength=MAX_DETAIL_CHARS value=record.role.clone().unwrap_or_default() />
                <label for="edit-owner">"Owner"</label>
                <select id="edit-owner" name="contact[owner_id]">
                    <option value="">"Nobody yet"</option>
                    {record.owners.iter().map(|(id, name)| {
                        let selected = id.to_string() == owner_id;
                        view! { <option value=id.to_string() selected=selected>{name.clone()}</option> }
                    }).collect_view()}
                </select>
                <label for="edit-source">"Referral source"</label>
                <select id="edit-source" name="contact[referral_source]">
                    <option value="">"Not known"</option>
                    {REFERRAL_SOURCES.iter().map(|(key, label)| view! {
                        <option value=*key selected=*key == source>{*label}</option>
                    }).collect_view()}
                </select>
                <label for="edit-referrer">"Referred by"</label>
                <select id="edit-referrer" name="contact[referred_by]">
                    <option value="">"No one"</option>
                    {record.others.iter().map(|(id, label)| {
                        let selected = id.to_string() == referred_by;
                        view! { <option value=id.to_string() selected=selected>{label.clone()}</option> }
                    }).collect_view()}
                </select>
                <label for="edit-tags">"Tags, separated by commas"</label>
                <input id="edit-tags" name="contact[tags]" type="text" value=record.tags.join(", ") />
                <label for="edit-notes">"Notes"</label>
                <textarea id="edit-notes" name="contact[notes]" rows="5" maxlength=MAX_CONTACT_NOTES_CHARS>{record.notes.clone()}</textarea>
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {saved}
                <SubmitButton action=save label="Save contact" pending="Saving…" class="button primary" />
            </ActionForm>
        </details>
    }
}

/// The contact's relationships with others, and a form to add one.
#[component]
fn Relationships(record: ContactRecordView, actions: RecordActions) -> impl IntoView {
    let error = move || {
        [actions.relate.value().get(), actions.unrelate.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    let contact_id = record.id.to_string();
    view! {
        <section class="panel" aria-labelledby="relationships-heading">
            <h2 id="relationships-heading">"Relationships"</h2>
            {record.relationships.is_empty().then(|| view! { <p class="muted">"None recorded."</p> })}
            <ul class="links">
                {record.relationships.into_iter().map(|rel| {
                    let contact_id = contact_id.clone();
                    view! {
                        <li data-testid="relationship">
                            <a href=format!("/crm/contacts/{}", rel.other_id)>{rel.sentence}</a>
                            <ActionForm action=actions.unrelate attr:class="inline-form" attr:method="post">
                                <input type="hidden" name="id" value=contact_id />
                                <input type="hidden" name="relationship_id" value=rel.id.to_string() />
                                <SubmitButton action=actions.unrelate label="Remove" pending="Removing…" />
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {error}
            <ActionForm action=actions.relate attr:class="form compact" attr:method="post">
                <input type="hidden" name="id" value=record.id.to_string() />
                <label for="relation-kind">"Relationship"</label>
                <select id="relation-kind" name="kind">
                    {RELATIONSHIP_KINDS.iter().map(|(key, label)| view! { <option value=*key>{*label}</option> }).collect_view()}
                </select>
                <label for="relation-other">"Related contact"</label>
                <select id="relation-other" name="related_id" required>
                    {record.others.into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
                </select>
                <SubmitButton action=actions.relate label="Add relationship" pending="Adding…" />
            </ActionForm>
        </section>
    }
}

/// The entries, with an "Older entries" button that appends the next page.
#[component]
fn Timeline(id: String, first: Vec<TouchpointView>, has_more: bool) -> impl IntoView {
    let (entries, set_entries) = signal(first);
    let (more, set_more) = signal(has_more);
    let load_older = Action::new(move |(): &()| {
        let id = id.clone();
        let cursor = entries.with_untracked(|list| list.last().map(TouchpointView::cursor));
        async move {
            let (at, last) = cursor.unzip();
            if let Ok(page) = get_contact_timeline(id, at, last).await {
                set_entries.update(|list| list.extend(page.entries));
                set_more.set(page.has_more);
            }
        }
    });
    // Page views fold into one line a day; the visits stay behind it.
    let clock = use_clock();
    let by_day = clock.clone();
    let lines = Memo::new(move |_| entries.with(|list| fold_visits(list, &by_day)));
    view! {
        <ol class="timeline" data-testid="timeline">
            <For each=move || lines.get() key=TimelineLine::key let:line>
                {match line {
                    TimelineLine::One(entry) => view! {
                        <li class="timeline-entry">
                            <span class="tag">{entry.label()}</span>
                            <span>{entry.summary.clone()}</span>
                            <span class="muted date"><When at=entry.occurred_at /></span>
                        </li>
                    }
                    .into_any(),
                    TimelineLine::Active(views) => {
                        let newest = views.first().map_or(0, |v| v.occurred_at);
                        let title = format!(
                            "Active in the portal on {} ({} views)",
                            clock.day(newest),
                            views.len()
                        );
                        view! {
                            <li class="timeline-entry">
                                <span class="tag">"Portal visit"</span>
                                <details class="visits">
                                    <summary>{title}</summary>
                                    <ul>
                                        {views
                                            .into_iter()
                                            .map(|v| view! {
                                                <li>
                                                    {v.summary}
                                                    <span class="muted date">" "<When at=v.occurred_at /></span>
                                                </li>
                                            })
                                            .collect_view()}
                                    </ul>
                                </details>
                            </li>
                        }
                        .into_any()
                    }
                }}
            </For>
        </ol>
        {move || entries.with(Vec::is_empty).then(|| view! { <p class="muted">"Nothing on the timeline yet."</p> })}
        {move || more.get().then(|| view! {
            <button class="button" type="button" on:click=move |_| { load_older.dispatch(()); }>
                "Older entries"
            </button>
        })}
    }
}
