//! The matter page at `/matters/{id}`: where the matter stands (stages as a
//! timeline), key dates with a calendar download, the status notes the firm
//! shared, a way to start a secure conversation about it, and, for the firm,
//! the forms that change them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_params_map},
};

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::{
        matter_page::{
            AddKeyDate, AddMatterNote, CreateCalendarFeed, SetMatterStage, SetResponseTarget,
            SetShared, get_matter_detail,
        },
        messages::StartThread,
    },
    domain::{
        AppError,
        billing::BillingView,
        matter::{
            KEY_DATE_KINDS, KeyDateView, MatterDetailView, NoteView, ResponseTargetView, StageView,
            opening::MatterAccessView, settings::MatterSettingsView,
        },
        message::{MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS},
    },
    ui::{
        components::{
            action_error,
            billing::{StatementsPanel, matter_statements},
            copy_text,
            documents::{DocumentsPanel, LoadedDocuments, MatterDocuments, RequestsPanel},
            matter_settings::{MatterSettings, MatterSettingsPanel, SettingsActions},
            portal_access::{MatterAccess, PortalAccessPanel},
            time::{When, firm_zone_hint, page_clock, use_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The matter page.
#[component]
pub fn MatterPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let set_stage = ServerAction::<SetMatterStage>::new();
    let add_date = ServerAction::<AddKeyDate>::new();
    let add_note = ServerAction::<AddMatterNote>::new();
    let share = ServerAction::<SetShared>::new();
    let set_target = ServerAction::<SetResponseTarget>::new();
    let settings_actions = SettingsActions::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                set_stage.version().get(),
                add_date.version().get(),
                add_note.version().get(),
                share.version().get(),
                set_target.version().get(),
                settings_actions.version(),
            )
        },
        |(id, ..)| get_matter_detail(id),
    );
    let actions = MatterActions {
        set_stage,
        add_date,
        add_note,
        share,
        set_target,
    };
    // Every resource of the page is made here and read in the one Suspense
    // below (see `MatterDocuments` for why).
    let matter_id = Signal::derive(id);
    let documents = MatterDocuments::new(matter_id, detail);
    let statements = matter_statements(matter_id, detail);
    let access = MatterAccess::new(matter_id, detail);
    let settings = MatterSettings::new(matter_id, detail, settings_actions);
    let clock = page_clock();
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the matter…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                let Ok(matter) = detail.await else {
                    return view! { <NotFoundPage /> }.into_any();
                };
                let panels = MatterPanels {
                    documents,
                    loaded: documents.load().await,
                    statements: statements.await,
                    access,
                    access_loaded: access.load().await,
                    settings,
                    settings_loaded: settings.load().await,
                };
                view! { <Matter matter actions panels /> }.into_any()
            })}
        </Transition>
    }
}

/// What the documents, requests and statements panels show.
struct MatterPanels {
    documents: MatterDocuments,
    loaded: LoadedDocuments,
    statements: Result<BillingView, AppError>,
    access: MatterAccess,
    access_loaded: Result<Option<MatterAccessView>, AppError>,
    settings: MatterSettings,
    settings_loaded: Result<Option<MatterSettingsView>, AppError>,
}

/// The firm's edit actions, shared by the sections.
#[derive(Clone, Copy)]
struct MatterActions {
    set_stage: ServerAction<SetMatterStage>,
    add_date: ServerAction<AddKeyDate>,
    add_note: ServerAction<AddMatterNote>,
    share: ServerAction<SetShared>,
    set_target: ServerAction<SetResponseTarget>,
}

#[component]
fn Matter(matter: MatterDetailView, actions: MatterActions, panels: MatterPanels) -> impl IntoView {
    let summary = matter.summary.clone();
    let id = summary.id.to_string();
    let calendar = crate::domain::links::matter_calendar(&id);
    // Type-erased in parts: as one type the page is deeper than the
    // compiler follows.
    let overview = view! {
        <section class="panel" aria-labelledby="stages-heading">
            <h2 id="stages-heading">"Where things stand"</h2>
            <Stages stages=matter.stages.clone() />
            {matter.can_edit.then(|| view! { <StageForm id=id.clone() stages=matter.stages.clone() action=actions.set_stage /> })}
        </section>
        <section class="panel" aria-labelledby="dates-heading">
            <h2 id="dates-heading">"Key dates"</h2>
            <KeyDates id=id.clone() dates=matter.key_dates.clone() can_edit=matter.can_edit share=actions.share />
            <p class="links">
                <a href=calendar download>"Download calendar (ICS)"</a>
            </p>
            <CalendarFeed />
            {matter.can_edit.then(|| view! { <KeyDateForm id=id.clone() action=actions.add_date /> })}
        </section>
        <section class="panel" aria-labelledby="notes-heading">
            <h2 id="notes-heading">"Status notes"</h2>
            <Notes id=id.clone() notes=matter.notes.clone() can_edit=matter.can_edit share=actions.share />
            {matter.can_edit.then(|| view! { <NoteForm id=id.clone() action=actions.add_note /> })}
        </section>
    }
    .into_any();
    let panels = view! {
        <RequestsPanel matter_id=summary.id.clone() data=panels.documents loaded=panels.loaded.clone() open=summary.status != "closed" />
        <DocumentsPanel matter_id=summary.id.clone() data=panels.documents loaded=panels.loaded open=summary.status != "closed" />
        <StatementsPanel billing=panels.statements />
        <PortalAccessPanel access=panels.access loaded=panels.access_loaded />
        <MatterSettingsPanel settings=panels.settings loaded=panels.settings_loaded />
        {matter.response_target.clone().map(|target| view! { <ResponseTarget id=id.clone() target action=actions.set_target /> })}
        <NewConversation matter_id=id.clone() />
    }
    .into_any();
    view! {
        <Title text=summary.title.clone() />
        <section class="page-head">
            <div>
                <p class="matter-meta">
                    <span class="matter-number">{summary.number.clone()}</span>
                    <span class="tag">{summary.practice_area.clone()}</span>
                </p>
                <h1>{summary.title.clone()}</h1>
                <p class="muted">{summary.client_name.clone()}</p>
            </div>
        </section>
        <JumpLinks settings=matter.can_manage_settings />
        {(summary.status == "closed").then(|| view! {
            <p class="notice" role="status" data-testid="closed-banner">
                "This matter is closed. It is kept as it stood; its documents can still be downloaded."
            </p>
        })}
        {overview}
        {panels}
    }
}

/// Links to the page's parts, so a long matter page is one tap from each:
/// overview, documents, messages, billing and, for those who may change
/// it, settings.
#[component]
fn JumpLinks(settings: bool) -> impl IntoView {
    let mut links = vec![
        ("Overview", "#stages-heading"),
        ("Dates", "#dates-heading"),
        ("Documents", "#documents-heading"),
        ("Requests", "#requests-heading"),
        ("Billing", "#statements-heading"),
        ("Messages", "#conversation-heading"),
    ];
    if settings {
        links.push(("Settings", "#settings-heading"));
    }
    view! {
        <nav class="jump-links" aria-label="On this page">
            <ul>
                {links
                    .into_iter()
                    .map(|(label, href)| view! { <li><a href=href>{label}</a></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
    .into_any()
}

/// How fast the firm answers this matter's client messages, and the form
/// that changes it (firm users). Type-erased like the composer.
#[component]
fn ResponseTarget(
    id: String,
    target: ResponseTargetView,
    action: ServerAction<SetResponseTarget>,
) -> impl IntoView {
    let current = match target.own_minutes {
        Some(minutes) => format!("{minutes} minutes, set for this matter."),
        None => format!("{} minutes, the firm's default.", target.firm_minutes),
    };
    let error = action_error(action);
    view! {
        <section class="panel" aria-labelledby="target-heading">
            <h2 id="target-heading">"Message response target"</h2>
            <p data-testid="response-target">{current}</p>
            <ActionForm action attr:class="form compact" attr:method="post">
                <input type="hidden" name="id" value=id />
                <label for="target-minutes">"Response target in minutes"</label>
                <input
                    id="target-minutes"
                    name="minutes"
                    inputmode="numeric"
                    value=target.own_minutes.map(|m| m.to_string()).unwrap_or_default()
                    placeholder=target.firm_minutes.to_string()
                />
                <p class="muted">"Leave it blank for the firm's default."</p>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=action label="Save target" pending="Saving…" />
            </ActionForm>
        </section>
    }
    .into_any()
}

/// Starting a secure conversation about the matter; the new thread opens
/// once it exists. Type-erased like the composer: the page's view is deep.
#[component]
fn NewConversation(matter_id: String) -> impl IntoView {
    let start = ServerAction::<StartThread>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(thread_id)) = start.value().get() {
            navigate(
                &format!("/messages/{thread_id}"),
                NavigateOptions::default(),
            );
        }
    });
    let error = action_error(start);
    view! {
        <section class="panel" aria-labelledby="conversation-heading">
            <h2 id="conversation-heading">"Start a conversation"</h2>
            <p class="muted">"Messages are encrypted and seen only by you and the matter's team."</p>
            <ActionForm action=start attr:class="form" attr:method="post">
                <input type="hidden" name="matter_id" value=matter_id />
                <label for="conversation-subject">"Subject"</label>
                <input id="conversation-subject" name="subject" required maxlength=MAX_SUBJECT_CHARS />
                <label for="conversation-body">"First message"</label>
                <textarea id="conversation-body" name="body" required maxlength=MAX_MESSAGE_CHARS rows="4"></textarea>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=start label="Start conversation" pending="Starting…" />
            </ActionForm>
        </section>
    }
    .into_any()
}

/// The stages as a timeline: done, current, next.
#[component]
fn Stages(stages: Vec<StageView>) -> impl IntoView {
    view! {
        <ol class="stages">
            {stages
                .into_iter()
                .map(|stage| {
                    let phase = stage.phase.label();
                    let current = (phase == "current").then_some("step");
                    view! {
                        <li class=format!("stage-step {phase}") aria-current=current>
                            <span class="stage-dot" aria-hidden="true"></span>
                            <span class="stage-label">
                                {stage.name}
                                <span class="visually-hidden">{format!(" ({phase})")}</span>
                                {(!stage.description.is_empty()).then(|| view! {
                                    <span class="stage-description">{stage.description}</span>
                                })}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

#[component]
fn StageForm(
    id: String,
    stages: Vec<StageView>,
    action: ServerAction<SetMatterStage>,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="form compact" attr:method="post">
            <input type="hidden" name="id" value=id />
            <label for="stage-select">"Move to stage"</label>
            <select id="stage-select" name="position">
                {stages
                    .into_iter()
                    .map(|s| view! { <option value=s.position.to_string() selected=s.phase.label() == "current">{s.name}</option> })
                    .collect_view()}
            </select>
            <SubmitButton action=action label="Update stage" pending="Updating…" />
        </ActionForm>
    }
}

#[component]
fn KeyDates(
    id: String,
    dates: Vec<KeyDateView>,
    can_edit: bool,
    share: ServerAction<SetShared>,
) -> impl IntoView {
    if dates.is_empty() {
        return view! { <p class="muted">"No key dates yet."</p> }.into_any();
    }
    let clock = use_clock();
    view! {
        <ul class="key-dates">
            {dates
                .into_iter()
                .map(|date| {
                    let past = clock.is_past(date.starts_at);
                    let relative = clock.relative_day(date.starts_at);
                    let toggle = can_edit.then(|| view! {
                        <ShareToggle id=id.clone() what="key_date" item=date.id.clone() visible=date.client_visible share />
                    });
                    view! {
                        <li class="key-date" class:past=past>
                            <span class=format!("tag {}", date.kind)>{date.kind.clone()}</span>
                            <strong>{date.title}</strong>
                            <span class="muted">
                                <When at=date.starts_at />
                                " · "
                                <span class="when">{relative}</span>
                                {date.location.map(|l| format!(" · {l}"))}
                            </span>
                            {toggle}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Shares an item with the client or takes it back.
#[component]
fn ShareToggle(
    id: String,
    what: &'static str,
    item: String,
    visible: bool,
    share: ServerAction<SetShared>,
) -> impl IntoView {
    let label = if visible {
        "Hide from client"
    } else {
        "Share with client"
    };
    view! {
        <ActionForm action=share attr:class="inline-form" attr:method="post">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="what" value=what />
            <input type="hidden" name="item" value=item />
            <input type="hidden" name="visible" value=(!visible).to_string() />
            <SubmitButton action=share label=label pending="Saving…" class="link-button dark" />
        </ActionForm>
    }
}

#[component]
fn KeyDateForm(id: String, action: ServerAction<AddKeyDate>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <details class="editor">
            <summary>"Add a key date"</summary>
            <ActionForm action attr:class="form" attr:method="post">
                <input type="hidden" name="id" value=id />
                <label for="date-kind">"Kind"</label>
                <select id="date-kind" name="kind">
                    {KEY_DATE_KINDS.iter().map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                </select>
                <label for="date-title">"Title"</label>
                <input id="date-title" name="title" type="text" maxlength="200" required />
                <label for="date-date">"Date"</label>
                <input id="date-date" name="date" type="date" required />
                <label for="date-time">"Time"</label>
                <input id="date-time" name="time" type="time" aria-describedby="date-zone" />
                <p id="date-zone" class="muted">{firm_zone_hint()}</p>
                <label for="date-location">"Location"</label>
                <input id="date-location" name="location" type="text" maxlength="200" />
                <label class="check">
                    <input name="client_visible" type="checkbox" value="on" />
                    "Visible to the client"
                </label>
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <SubmitButton action=action label="Add key date" pending="Adding…" class="button primary" />
            </ActionForm>
        </details>
    }
}

#[component]
fn Notes(
    id: String,
    notes: Vec<NoteView>,
    can_edit: bool,
    share: ServerAction<SetShared>,
) -> impl IntoView {
    if notes.is_empty() {
        return view! { <p class="muted">"No status notes yet."</p> }.into_any();
    }
    view! {
        <ul class="notes">
            {notes
                .into_iter()
                .map(|note| {
                    let author = format!("{} · ", note.author.clone().unwrap_or_default());
                    let internal = (!note.client_visible).then_some(" · internal");
                    let toggle = can_edit.then(|| view! {
                        <ShareToggle id=id.clone() what="note" item=note.id.clone() visible=note.client_visible share />
                    });
                    view! {
                        <li class="note">
                            <p>{note.body}</p>
                            <p class="muted">{author}<When at=note.created_at />{internal}</p>
                            {toggle}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn NoteForm(id: String, action: ServerAction<AddMatterNote>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <details class="editor">
            <summary>"Add a status note"</summary>
            <ActionForm action attr:class="form" attr:method="post">
                <input type="hidden" name="id" value=id />
                <label for="note-body">"Note"</label>
                <textarea id="note-body" name="body" rows="4" maxlength="4000" required></textarea>
                <label class="check">
                    <input name="client_visible" type="checkbox" value="on" />
                    "Share with the client"
                </label>
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <SubmitButton action=action label="Add note" pending="Adding…" class="button primary" />
            </ActionForm>
        </details>
    }
}

/// The user's private calendar feed link, made (or renewed) on request,
/// with the date it stops working.
#[component]
fn CalendarFeed() -> impl IntoView {
    let feed = ServerAction::<CreateCalendarFeed>::new();
    view! {
        <ActionForm action=feed attr:class="inline-form" attr:method="post">
            <SubmitButton action=feed label="Get a calendar feed link" pending="Getting…" class="link-button dark" />
        </ActionForm>
        {move || feed.value().get().and_then(Result::ok).map(|feed| {
            let webcal = feed.webcal();
            let copied = RwSignal::new(false);
            let url = feed.url.clone();
            view! {
                <div class="feed" role="status">
                    <p>"Subscribe to this private address in your calendar app (it replaces any earlier link):"</p>
                    <p><code data-testid="calendar-feed">{feed.url.clone()}</code></p>
                    <p class="feed-actions">
                        <button class="button" type="button" on:click=move |_| {
                            copy_text(&url);
                            copied.set(true);
                        }>
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                        <a class="button" href=webcal>"Open in your calendar app"</a>
                    </p>
                    <p class="muted">
                        "It works until " <When at=feed.expires_at day_only=true /> "; get a new link to renew it."
                    </p>
                </div>
            }
        })}
    }
}
