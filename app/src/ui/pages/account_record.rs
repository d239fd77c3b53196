//! An account's CRM record at `/crm/accounts/{id}`: its details (kind,
//! industry, owner, referral, tags, notes), edited in place; its people,
//! each with their role there, and links to further contacts; the matters
//! the viewer may see; archiving. Firm users only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::accounts::{
        LinkContactToAccount, SetAccountArchived, UnlinkContactFromAccount, UpdateAccount,
        get_account_record,
    },
    domain::{
        account::AccountRecordView,
        contact::{
            ACCOUNT_KINDS, MAX_ACCOUNT_NAME_CHARS, MAX_CONTACT_NOTES_CHARS, MAX_DETAIL_CHARS,
            REFERRAL_SOURCES, referral_label,
        },
    },
    ui::{
        components::{
            action_error,
            time::{page_clock, use_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The forms of the record, whose every success reloads it.
#[derive(Clone, Copy)]
struct RecordActions {
    save: ServerAction<UpdateAccount>,
    archive: ServerAction<SetAccountArchived>,
    link: ServerAction<LinkContactToAccount>,
    unlink: ServerAction<UnlinkContactFromAccount>,
}

impl RecordActions {
    fn version(self) -> (usize, usize, usize, usize) {
        (
            self.save.version().get(),
            self.archive.version().get(),
            self.link.version().get(),
            self.unlink.version().get(),
        )
    }
}

/// The account page.
#[component]
pub fn AccountRecordPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = RecordActions {
        save: ServerAction::new(),
        archive: ServerAction::new(),
        link: ServerAction::new(),
        unlink: ServerAction::new(),
    };
    let record = Resource::new(
        move || (id(), actions.version()),
        |(id, _)| get_account_record(id),
    );
    let clock = page_clock();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the account…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match record.await {
                    Ok(record) => view! {
                        <Title text=record.name.clone() />
                        <section class="page-head">
                            <div>
                                <h1>{record.name.clone()}</h1>
                                <p class="muted">{kind_label(&record.kind)}</p>
                            </div>
                        </section>
                        <AccountDetails record=record.clone() actions />
                        <People record=record.clone() actions />
                        <section class="panel" aria-labelledby="matters-heading">
                            <h2 id="matters-heading">"Matters"</h2>
                            {record.matters.is_empty().then(|| view! { <p class="muted">"No matters you can see."</p> })}
                            <ul class="links" data-testid="account-matters">
                                {record.matters.into_iter().map(|(id, label)| view! {
                                    <li><a href=format!("/matters/{id}")>{label}</a></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    Err(_) => view! { <NotFoundPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn kind_label(kind: &str) -> &'static str {
    if kind == "household" {
        "Household (a private client)"
    } else {
        "Organisation"
    }
}

/// The details, the archive button and the edit form.
#[component]
fn AccountDetails(record: AccountRecordView, actions: RecordActions) -> impl IntoView {
    let archived = record.archived_at.is_some();
    let archive_error = action_error(actions.archive);
    let dash = || "—".to_owned();
    let rows = [
        ("Industry", record.industry.clone().unwrap_or_else(dash)),
        (
            "Owner",
            record
                .owner
                .as_ref()
                .map_or_else(dash, |(_, name)| name.clone()),
        ),
        (
            "Source",
            record
                .referral_source
                .as_deref()
                .map_or_else(dash, |s| referral_label(s).to_owned()),
        ),
    ];
    view! {
        <section class="panel" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            {record.archived_at.map(|at| view! {
                <p class="notice" role="status" data-testid="archived-banner">
                    {format!("Archived on {}. Its people, matters and history stay; restore it to work with it again.", use_clock().date(at))}
                </p>
            })}
            <dl class="details" data-testid="account-details">
                {rows.into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
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
                    label=if archived { "Restore account" } else { "Archive account" }
                    pending=if archived { "Restoring…" } else { "Archiving…" }
                />
            </ActionForm>
        </section>
    }
}

/// "Edit account": every detail, in one form.
#[component]
fn EditForm(record: AccountRecordView, save: ServerAction<UpdateAccount>) -> impl IntoView {
    let error = action_error(save);
    let saved = move || {
        matches!(save.value().get(), Some(Ok(())))
            .then(|| view! { <p class="notice" role="status">"Account saved."</p> })
    };
    let owner_id = record
        .owner
        .as_ref()
        .map(|(id, _)| id.to_string())
        .unwrap_or_default();
    let source = record.referral_source.clone().unwrap_or_default();
    let kind = record.kind.clone();
    view! {
        <details class="editor">
            <summary>"Edit account"</summary>
            <ActionForm action=save attr:class="form" attr:method="post">
                <input type="hidden" name="id" value=record.id.to_string() />
                <label for="edit-name">"Name"</label>
                <input id="edit-name" name="account[name]" type="text" required maxlength=MAX_ACCOUNT_NAME_CHARS value=record.name.clone() />
                <label for="edit-kind">"Kind"</label>
                <select id="edit-kind" name="account[kind]">
                    {ACCOUNT_KINDS.into_iter().map(|k| view! {
                        <option value=k selected=k == kind>{kind_label(k)}</option>
                    }).collect_view()}
                </select>
                <label for="edit-industry">"Industry"</label>
                <input id="edit-industry" name="account[industry]" type="text" maxlength=MAX_DETAIL_CHARS value=record.industry.clone().unwrap_or_default() />
                <label for="edit-owner">"Owner"</label>
                <select id="edit-owner" name="account[owner_id]">
                    <option value="">"Nobody yet"</option>
                    {record.owners.iter().map(|(id, name)| {
                        let selected = id.to_string() == owner_id;
                        view! { <option value=id.to_string() selected=selected>{name.clone()}</option> }
                    }).collect_view()}
                </select>
                <label for="edit-source">"Referral source"</label>
                <select id="edit-source" name="account[referral_source]">
                    <option value="">"Not known"</option>
                    {REFERRAL_SOURCES.iter().map(|(key, label)| view! {
                        <option value=*key selected=*key == source>{*label}</option>
                    }).collect_view()}
                </select>
                <label for="edit-tags">"Tags, separated by commas"</label>
                <input id="edit-tags" name="account[tags]" type="text" value=record.tags.join(", ") />
                <label for="edit-notes">"Notes"</label>
                <textarea id="edit-notes" name="account[notes]" rows="5" maxlength=MAX_CONTACT_NOTES_CHARS>{record.notes.clone()}</textarea>
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {saved}
                <SubmitButton action=save label="Save account" pending="Saving…" class="button primary" />
            </ActionForm>
        </details>
    }
}

/// The account's people with their roles, and a form to link another.
#[component]
fn People(record: AccountRecordView, actions: RecordActions) -> impl IntoView {
    let error = move || {
        [actions.link.value().get(), actions.unlink.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    let account_id = record.id.to_string();
    view! {
        <section class="panel" aria-labelledby="people-heading">
            <h2 id="people-heading">"People"</h2>
            {record.people.is_empty().then(|| view! { <p class="muted">"Nobody yet."</p> })}
            <ul class="links" data-testid="account-people">
                {record.people.into_iter().map(|person| {
                    let account_id = account_id.clone();
                    let label = match &person.role {
                        Some(role) => format!("{} · {role}", person.name),
                        None => person.name.clone(),
                    };
                    view! {
                        <li data-testid="account-person">
                            <a href=format!("/crm/contacts/{}", person.contact_id)>{label}</a>
                            {(!person.primary).then(|| view! {
                                <ActionForm action=actions.unlink attr:class="inline-form" attr:method="post">
                                    <input type="hidden" name="id" value=account_id />
                                    <input type="hidden" name="contact_id" value=person.contact_id.to_string() />
                                    <SubmitButton action=actions.unlink label="Unlink" pending="Unlinking…" />
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {error}
            <ActionForm action=actions.link attr:class="form compact" attr:method="post">
                <input type="hidden" name="id" value=record.id.to_string() />
                <label for="link-contact">"Link a contact"</label>
                <select id="link-contact" name="contact_id" required>
                    {record.contacts.into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
                </select>
                <label for="link-role">"Role at the account"</label>
                <input id="link-role" name="role" type="text" required maxlength=MAX_DETAIL_CHARS />
                <SubmitButton action=actions.link label="Link contact" pending="Linking…" />
            </ActionForm>
        </section>
    }
}
