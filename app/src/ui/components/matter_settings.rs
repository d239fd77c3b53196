//! The matter page's "Settings" panel, for the firm: whether the matter is
//! open, its team and their roles, its parties, its stage plan, and (for
//! admins) the walls on it.

use leptos::prelude::*;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::{
        matter_settings::{
            AddParty, RemoveParty, RemoveTeamMember, SetMatterClosed, SetStagePlan, SetTeamMember,
            get_matter_settings,
        },
        walls::RaiseWall,
    },
    domain::{
        AppError,
        matter::{
            MatterDetailView,
            settings::{
                MAX_PARTY_NAME_CHARS, MAX_STAGE_DESCRIPTION_CHARS, MAX_STAGE_NAME_CHARS,
                MatterSettingsView, PartyRole, PartyView, StageInput, TeamMemberView, TeamRole,
            },
        },
        wall::MAX_WALL_REASON_CHARS,
    },
    ui::components::{action_error, time::use_clock},
};

/// Empty rows the stage-plan form offers after the plan's own, to add
/// stages with.
const SPARE_STAGE_ROWS: usize = 2;

/// The panel's actions. Made before the matter's own resource, which
/// reloads when they run: closing a matter changes what the page offers.
#[derive(Clone, Copy)]
pub struct SettingsActions {
    set_member: ServerAction<SetTeamMember>,
    remove_member: ServerAction<RemoveTeamMember>,
    add_party: ServerAction<AddParty>,
    remove_party: ServerAction<RemoveParty>,
    set_plan: ServerAction<SetStagePlan>,
    set_closed: ServerAction<SetMatterClosed>,
    raise_wall: ServerAction<RaiseWall>,
}

impl SettingsActions {
    /// The actions, idle.
    pub fn new() -> Self {
        Self {
            set_member: ServerAction::new(),
            remove_member: ServerAction::new(),
            add_party: ServerAction::new(),
            remove_party: ServerAction::new(),
            set_plan: ServerAction::new(),
            set_closed: ServerAction::new(),
            raise_wall: ServerAction::new(),
        }
    }

    /// Changes whenever one of them completes.
    pub fn version(self) -> usize {
        self.set_member.version().get()
            + self.remove_member.version().get()
            + self.add_party.version().get()
            + self.remove_party.version().get()
            + self.set_plan.version().get()
            + self.set_closed.version().get()
            + self.raise_wall.version().get()
    }

    /// The first error of the last runs, as the panel says it.
    fn error(self) -> Option<String> {
        action_error(self.set_member)()
            .or_else(action_error(self.remove_member))
            .or_else(action_error(self.add_party))
            .or_else(action_error(self.remove_party))
            .or_else(action_error(self.set_plan))
            .or_else(action_error(self.set_closed))
            .or_else(action_error(self.raise_wall))
    }
}

impl Default for SettingsActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The panel's data and actions, made at the top of the matter page.
#[derive(Clone, Copy)]
pub struct MatterSettings {
    actions: SettingsActions,
    resource: Resource<Result<Option<MatterSettingsView>, AppError>>,
}

impl MatterSettings {
    /// The settings of `matter_id`, asked only for viewers who may manage
    /// them (for anyone else the function answers not found, which must not
    /// become the page's status); `None` for them.
    pub fn new(
        matter_id: Signal<String>,
        matter: Resource<Result<MatterDetailView, AppError>>,
        actions: SettingsActions,
    ) -> Self {
        let resource = Resource::new(
            move || (matter_id.get(), actions.version()),
            move |(id, _)| async move {
                if !matter.await?.can_manage_settings {
                    return Ok(None);
                }
                get_matter_settings(id).await.map(Some)
            },
        );
        Self { actions, resource }
    }

    /// What the panel shows, read inside the page's one `Suspense`.
    pub async fn load(self) -> Result<Option<MatterSettingsView>, AppError> {
        self.resource.await
    }
}

/// The panel; nothing for viewers who may not manage the matter.
#[component]
pub fn MatterSettingsPanel(
    settings: MatterSettings,
    loaded: Result<Option<MatterSettingsView>, AppError>,
) -> impl IntoView {
    let view = match loaded {
        Ok(Some(view)) => view,
        Ok(None) => return ().into_any(),
        Err(err) => {
            return view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any();
        }
    };
    let actions = settings.actions;
    let open = view.closed_at.is_none();
    view! {
        <section class="panel" aria-labelledby="settings-heading">
            <h2 id="settings-heading">"Settings"</h2>
            {move || actions.error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <StatusSection view=view.clone() actions />
            <TeamSection view=view.clone() actions open />
            <PartiesSection view=view.clone() actions open />
            {open.then(|| view! { <StagePlanSection view=view.clone() actions /> })}
            {view.can_manage_walls.then(|| view! { <WallsSection view=view.clone() actions /> })}
        </section>
    }
    .into_any()
}

/// Open or closed, and the button that changes it.
#[component]
fn StatusSection(view: MatterSettingsView, actions: SettingsActions) -> impl IntoView {
    let matter_id = view.matter_id.to_string();
    let (status, hint, button, closed) = match view.closed_at {
        None => (
            "Open".to_owned(),
            "Closing the matter makes it read-only: its documents can still be downloaded.",
            "Close matter",
            "true",
        ),
        Some(at) => (
            format!("Closed on {}", use_clock().date(at)),
            "A closed matter is read-only. Reopen it to change anything.",
            "Reopen matter",
            "false",
        ),
    };
    view! {
        <h3>"Status"</h3>
        <p data-testid="matter-status"><strong>{status}</strong></p>
        <p class="muted">{hint}</p>
        <ActionForm action=actions.set_closed attr:class="inline-form" attr:method="post">
            <input type="hidden" name="matter_id" value=matter_id />
            <input type="hidden" name="closed" value=closed />
            <SubmitButton action=actions.set_closed label=button pending="Saving…" />
        </ActionForm>
    }
}

/// The team, with role changes, removal, and a form to add a colleague.
#[component]
fn TeamSection(view: MatterSettingsView, actions: SettingsActions, open: bool) -> impl IntoView {
    let matter_id = view.matter_id.to_string();
    let add = open.then(|| {
        let matter_id = matter_id.clone();
        view! {
            <ActionForm action=actions.set_member attr:class="form compact" attr:method="post">
                <input type="hidden" name="matter_id" value=matter_id />
                <label for="team-user">"Colleague"</label>
                <select id="team-user" name="user_id" required>
                    {view.colleagues.iter().map(|(id, label)| view! {
                        <option value=id.to_string()>{label.clone()}</option>
                    }).collect_view()}
                </select>
                <label for="team-role">"Role on the matter"</label>
                <select id="team-role" name="role">
                    <option value=TeamRole::Member.as_str()>{TeamRole::Member.label()}</option>
                    <option value=TeamRole::Responsible.as_str()>{TeamRole::Responsible.label()}</option>
                </select>
                <SubmitButton action=actions.set_member label="Add to team" pending="Adding…" class="button primary" />
            </ActionForm>
        }
    });
    view! {
        <h3>"Team"</h3>
        <ul class="contact-list">
            {view.team.into_iter().map(|member| view! {
                <TeamRow member matter_id=matter_id.clone() actions open />
            }).collect_view()}
        </ul>
        {add}
    }
}

#[component]
fn TeamRow(
    member: TeamMemberView,
    matter_id: String,
    actions: SettingsActions,
    open: bool,
) -> impl IntoView {
    let other = match member.role {
        TeamRole::Responsible => TeamRole::Member,
        TeamRole::Member => TeamRole::Responsible,
    };
    let may_switch = other == TeamRole::Member || member.firm_role != "staff";
    let switch_label = format!("Make {} {}", member.name, other.label().to_lowercase());
    let remove_label = format!("Remove {} from the team", member.name);
    let buttons = open.then(|| {
        let switch = may_switch.then(|| {
            let (matter_id, user_id) = (matter_id.clone(), member.user_id.to_string());
            view! {
                <ActionForm action=actions.set_member attr:class="inline-form" attr:method="post">
                    <input type="hidden" name="matter_id" value=matter_id />
                    <input type="hidden" name="user_id" value=user_id />
                    <input type="hidden" name="role" value=other.as_str() />
                    <SubmitButton action=actions.set_member label=switch_label pending="Saving…" />
                </ActionForm>
            }
        });
        view! {
            {switch}
            <ActionForm action=actions.remove_member attr:class="inline-form" attr:method="post">
                <input type="hidden" name="matter_id" value=matter_id />
                <input type="hidden" name="user_id" value=member.user_id.to_string() />
                <SubmitButton action=actions.remove_member label=remove_label pending="Removing…" />
            </ActionForm>
        }
    });
    view! {
        <li class="contact-card" data-testid="team-member">
            <div>
                <strong>{member.name.clone()}</strong>
                <span class="tag">{member.role.label()}</span>
                <div class="muted">{member.firm_role.clone()}</div>
            </div>
            {buttons}
        </li>
    }
}

/// The parties, with removal and a form to name one.
#[component]
fn PartiesSection(view: MatterSettingsView, actions: SettingsActions, open: bool) -> impl IntoView {
    let matter_id = view.matter_id.to_string();
    let add = open.then(|| {
        let matter_id = matter_id.clone();
        view! {
            <ActionForm action=actions.add_party attr:class="form compact" attr:method="post">
                <input type="hidden" name="matter_id" value=matter_id />
                <label for="party-name">"Party name"</label>
                <input id="party-name" name="name" required maxlength=MAX_PARTY_NAME_CHARS />
                <label for="party-role">"Party role"</label>
                <select id="party-role" name="role">
                    {PartyRole::ALL.into_iter().map(|role| view! {
                        <option value=role.as_str()>{role.label()}</option>
                    }).collect_view()}
                </select>
                <SubmitButton action=actions.add_party label="Add party" pending="Adding…" class="button primary" />
            </ActionForm>
        }
    });
    view! {
        <h3>"Parties"</h3>
        <p class="muted">"Everyone with a stake in the matter, including the other side. The conflict check reads them."</p>
        {view.parties.is_empty().then(|| view! { <p class="muted">"No parties named yet."</p> })}
        <ul class="contact-list">
            {view.parties.into_iter().map(|party| view! {
                <PartyRow party matter_id=matter_id.clone() actions open />
            }).collect_view()}
        </ul>
        {add}
    }
}

#[component]
fn PartyRow(
    party: PartyView,
    matter_id: String,
    actions: SettingsActions,
    open: bool,
) -> impl IntoView {
    let remove_label = format!("Remove {}", party.name);
    let remove = open.then(|| {
        view! {
            <ActionForm action=actions.remove_party attr:class="inline-form" attr:method="post">
                <input type="hidden" name="matter_id" value=matter_id />
                <input type="hidden" name="party_id" value=party.id.to_string() />
                <SubmitButton action=actions.remove_party label=remove_label pending="Removing…" />
            </ActionForm>
        }
    });
    view! {
        <li class="contact-card" data-testid="party">
            <div>
                <strong>{party.name.clone()}</strong>
                <span class="tag">{party.role.label()}</span>
            </div>
            {remove}
        </li>
    }
}

/// The stage plan as rows of name and description, with spare rows to add
/// stages; clearing a row removes its stage.
#[component]
pub fn StagePlanFields(stages: Vec<StageInput>, prefix: String) -> impl IntoView {
    let rows = stages
        .into_iter()
        .chain(std::iter::repeat_n(StageInput::default(), SPARE_STAGE_ROWS));
    view! {
        <ol class="stage-plan">
            {rows.enumerate().map(|(i, stage)| {
                let n = i + 1;
                let (name_id, description_id) = (format!("{prefix}-{n}-name"), format!("{prefix}-{n}-description"));
                view! {
                    <li class="stage-plan-row">
                        <label for=name_id.clone()>{format!("Stage {n} name")}</label>
                        <input id=name_id name=format!("stages[{i}][name]") value=stage.name maxlength=MAX_STAGE_NAME_CHARS />
                        <label for=description_id.clone()>{format!("Stage {n} description")}</label>
                        <input id=description_id name=format!("stages[{i}][description]") value=stage.description maxlength=MAX_STAGE_DESCRIPTION_CHARS />
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn StagePlanSection(view: MatterSettingsView, actions: SettingsActions) -> impl IntoView {
    let saved = move || {
        matches!(actions.set_plan.value().get(), Some(Ok(())))
            .then(|| view! { <p class="notice" role="status">"Stage plan saved."</p> })
    };
    view! {
        <h3>"Stage plan"</h3>
        <p class="muted">
            {format!("The client sees these stages, with their descriptions. The matter is at stage {}. Clear a stage's name and description to remove it.", view.current_stage)}
        </p>
        <ActionForm action=actions.set_plan attr:class="form" attr:method="post">
            <input type="hidden" name="matter_id" value=view.matter_id.to_string() />
            <StagePlanFields stages=view.stages prefix="plan".to_owned() />
            {saved}
            <SubmitButton action=actions.set_plan label="Save stage plan" pending="Saving…" class="button primary" />
        </ActionForm>
    }
}

/// The walls on this matter, and a form to raise one here or on every
/// matter of the client (admins).
#[component]
fn WallsSection(view: MatterSettingsView, actions: SettingsActions) -> impl IntoView {
    let people: Vec<(String, String)> = view
        .team
        .iter()
        .map(|m| {
            (
                m.user_id.to_string(),
                format!("{} ({})", m.name, m.firm_role),
            )
        })
        .chain(
            view.colleagues
                .iter()
                .map(|(id, label)| (id.to_string(), label.clone())),
        )
        .collect();
    let raised = move || match actions.raise_wall.value().get() {
        Some(Ok(1)) => Some("Wall raised.".to_owned()),
        Some(Ok(n)) => Some(format!("{n} walls raised.")),
        _ => None,
    };
    view! {
        <h3>"Ethical walls"</h3>
        {view.walls.is_empty().then(|| view! { <p class="muted">"Nobody is walled off this matter."</p> })}
        <ul class="wall-list">
            {view.walls.into_iter().map(|wall| view! {
                <li class="wall-row" data-testid="matter-wall">
                    <strong>{wall.user_name}</strong>
                    <p>{wall.reason}</p>
                </li>
            }).collect_view()}
        </ul>
        <p class="muted"><a href="/admin/walls">"Lift walls and see their history in Ethical walls"</a></p>
        {move || raised().map(|m| view! { <p class="notice" role="status">{m}</p> })}
        <ActionForm action=actions.raise_wall attr:class="form compact" attr:method="post">
            <input type="hidden" name="matter_id" value=view.matter_id.to_string() />
            <label for="matter-wall-user">"Colleague to screen"</label>
            <select id="matter-wall-user" name="user_id" required>
                {people.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
            </select>
            <label for="matter-wall-reason">"Reason for the wall"</label>
            <input id="matter-wall-reason" name="reason" required maxlength=MAX_WALL_REASON_CHARS />
            <label class="check">
                <input type="checkbox" name="whole_client" value="true" />
                {format!(" Every matter of {}", view.account_name)}
            </label>
            <SubmitButton action=actions.raise_wall label="Raise wall" pending="Raising…" class="button primary" />
        </ActionForm>
    }
}
