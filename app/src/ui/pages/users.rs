//! The firm's users at `/admin/users`, for admins: invite a colleague, and
//! for each user change the role, disable or enable, end their sessions or
//! reset their two-step verification. Everyone else gets the not-found
//! page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::users::{
        ChangeRole, EndUserSessions, InviteColleague, ResetUserMfa, SetUserDisabled, list_users,
    },
    domain::{
        AppError,
        role::Role,
        user::{FIRM_ROLES, FirmUserView, MAX_EMAIL_LEN, MAX_NAME_CHARS, UserStatus},
    },
    ui::{components::action_error, pages::not_found::NotFoundPage},
};

/// Every action on the page, so each row can use them and the list reloads
/// after any of them.
#[derive(Clone, Copy)]
struct Actions {
    invite: ServerAction<InviteColleague>,
    role: ServerAction<ChangeRole>,
    disable: ServerAction<SetUserDisabled>,
    end: ServerAction<EndUserSessions>,
    reset: ServerAction<ResetUserMfa>,
}

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let actions = Actions {
        invite: ServerAction::new(),
        role: ServerAction::new(),
        disable: ServerAction::new(),
        end: ServerAction::new(),
        reset: ServerAction::new(),
    };
    let users = Resource::new(
        move || {
            (
                actions.invite.version().get(),
                actions.role.version().get(),
                actions.disable.version().get(),
                actions.end.version().get(),
                actions.reset.version().get(),
            )
        },
        |_| list_users(),
    );
    view! {
        <Title text="Users" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the firm's users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(users) => view! {
                        <section class="page-head">
                            <h1>"Users"</h1>
                        </section>
                        <p class="muted">
                            "The firm's own people. Each joins by an emailed link and sets up two-step verification at first sign-in."
                        </p>
                        <Outcome actions />
                        <InviteForm invite=actions.invite />
                        <section class="panel" aria-labelledby="users-heading">
                            <h2 id="users-heading">"The firm's users"</h2>
                            <ul class="contact-list">
                                {users.into_iter().map(|user| view! { <UserRow user actions /> }).collect_view()}
                            </ul>
                        </section>
                    }
                    .into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the last action did: its error, or a line saying it worked.
#[component]
fn Outcome(actions: Actions) -> impl IntoView {
    let (role, disable, end, reset) = (
        action_error(actions.role),
        action_error(actions.disable),
        action_error(actions.end),
        action_error(actions.reset),
    );
    let error = move || role().or_else(disable).or_else(end).or_else(reset);
    let done = move || {
        if matches!(actions.reset.value().get(), Some(Ok(()))) {
            Some(
                "Two-step verification was reset. They set it up again at their next sign-in."
                    .to_owned(),
            )
        } else if let Some(Ok(ended)) = actions.end.value().get() {
            Some(format!("{ended} sessions ended."))
        } else {
            None
        }
    };
    view! {
        {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        {move || done().map(|message| view! { <p class="notice" role="status">{message}</p> })}
    }
}

/// "Invite a colleague": a name, an email and a role.
#[component]
fn InviteForm(invite: ServerAction<InviteColleague>) -> impl IntoView {
    let error = action_error(invite);
    let sent = move || {
        matches!(invite.value().get(), Some(Ok(()))).then(|| {
            view! { <p class="notice" role="status">"Invitation sent. The link works once, for 7 days."</p> }
        })
    };
    view! {
        <section class="panel" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite a colleague"</h2>
            <ActionForm action=invite attr:class="form" attr:method="post">
                <label for="invite-name">"Name"</label>
                <input id="invite-name" type="text" name="name" autocomplete="off" required maxlength=MAX_NAME_CHARS />
                <label for="invite-email">"Email"</label>
                <input
                    id="invite-email"
                    type="email"
                    name="email"
                    autocomplete="off"
                    inputmode="email"
                    required
                    maxlength=MAX_EMAIL_LEN
                />
                <label for="invite-role">"Role"</label>
                <RoleSelect id="invite-role".to_owned() selected=Role::Attorney />
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {sent}
                <SubmitButton action=invite label="Send invitation" pending="Sending…" class="button primary" />
            </ActionForm>
        </section>
    }
}

/// A role picker over the firm roles, named `role`.
#[component]
fn RoleSelect(id: String, selected: Role) -> impl IntoView {
    view! {
        <select id=id name="role" required>
            {FIRM_ROLES
                .into_iter()
                .map(|role| view! {
                    <option value=role.as_str() selected=role == selected>{role_label(role)}</option>
                })
                .collect_view()}
        </select>
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Attorney => "Attorney",
        Role::Staff => "Staff",
        Role::Client => "Client",
    }
}

/// One user, with what an admin can do to them.
#[component]
fn UserRow(user: FirmUserView, actions: Actions) -> impl IntoView {
    let id = user.id.to_string();
    let role_id = format!("role-{id}");
    let password_id = format!("reset-password-{id}");
    let status_class = match user.status {
        UserStatus::Active => "tag ok",
        UserStatus::Invited | UserStatus::Disabled => "tag",
    };
    let mfa = if user.mfa_enabled {
        "Two-step on"
    } else {
        "Two-step not set up"
    };
    let sessions = match user.sessions {
        1 => "1 session".to_owned(),
        n => format!("{n} sessions"),
    };
    let (toggle_to, toggle_label) = if user.status == UserStatus::Disabled {
        ("false", "Enable")
    } else {
        ("true", "Disable")
    };
    let you = user.is_you.then_some(" (you)");
    let name = user.name.clone();
    // Each form's children own their copies.
    let (id_role, id_disable, id_end, id_reset) = (id.clone(), id.clone(), id.clone(), id);
    let (resend_name, resend_email) = (user.name.clone(), user.email.clone());
    let role_label_text = format!("New role for {}", user.name);
    view! {
        <li class="contact-card" data-testid="user">
            <div>
                <strong>{user.name.clone()}</strong>{you}
                <span class="tag">{role_label(user.role)}</span>
                <span class=status_class>{user.status.label()}</span>
                <div class="contact-email muted">{user.email.clone()}</div>
                <div class="muted">{mfa}" · "{sessions}</div>
            </div>
            <details class="editor">
                <summary>{format!("Manage {name}")}</summary>
                <ActionForm action=actions.role attr:class="form compact" attr:method="post">
                    <input type="hidden" name="user_id" value=id_role />
                    <label for=role_id.clone()>{role_label_text}</label>
                    <RoleSelect id=role_id selected=user.role />
                    <SubmitButton action=actions.role label="Change role" pending="Changing…" />
                </ActionForm>
                {(user.status == UserStatus::Invited).then_some(view! {
                    <ActionForm action=actions.invite attr:class="inline-form" attr:method="post">
                        <input type="hidden" name="name" value=resend_name />
                        <input type="hidden" name="email" value=resend_email />
                        <input type="hidden" name="role" value=user.role.as_str() />
                        <SubmitButton action=actions.invite label="Resend invitation" pending="Sending…" />
                    </ActionForm>
                })}
                {(!user.is_you).then_some(view! {
                    <ActionForm action=actions.disable attr:class="inline-form" attr:method="post">
                        <input type="hidden" name="user_id" value=id_disable />
                        <input type="hidden" name="disabled" value=toggle_to />
                        <SubmitButton action=actions.disable label=toggle_label pending="Saving…" />
                    </ActionForm>
                    <ActionForm action=actions.end attr:class="inline-form" attr:method="post">
                        <input type="hidden" name="user_id" value=id_end />
                        <SubmitButton action=actions.end label="End sessions" pending="Ending…" />
                    </ActionForm>
                    <ActionForm action=actions.reset attr:class="form compact" attr:method="post">
                        <input type="hidden" name="user_id" value=id_reset />
                        <label for=password_id.clone()>"Your password, to reset their two-step verification"</label>
                        <input
                            id=password_id
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required
                            maxlength="1024"
                        />
                        <SubmitButton action=actions.reset label="Reset two-step verification" pending="Resetting…" />
                    </ActionForm>
                })}
            </details>
        </li>
    }
}
