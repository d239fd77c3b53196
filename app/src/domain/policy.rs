//! The authorization policy (DESIGN §2.2): "may this user see that matter?"
//!
//! These are the only rules that decide access. They are pure: the server
//! loads the facts ([`MatterFacts`]) and asks. List queries apply the same
//! rules in SQL (`server::policy`), and a test checks that both agree on
//! every user and matter of the demo firm.

use super::role::Role;

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The user's id.
    pub user_id: String,
    /// The user's role.
    pub role: Role,
}

/// What the server knows about one user and one matter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatterFacts {
    /// The user is on the matter's team.
    pub on_team: bool,
    /// The user is a client who was given portal access to the matter.
    pub client_access: bool,
    /// An ethical wall screens the user from the matter.
    pub walled: bool,
}

/// True for roles that see every matter without being on its team. Only the
/// firm's administrator has firm-wide access; attorneys and staff see the
/// matters they work on.
pub fn has_firm_wide_access(role: Role) -> bool {
    matches!(role, Role::Admin)
}

/// May `subject` see the matter described by `facts`? An ethical wall
/// overrides everything else.
pub fn may_view_matter(subject: &Subject, facts: MatterFacts) -> bool {
    if facts.walled {
        return false;
    }
    match subject.role {
        Role::Client => facts.client_access,
        role => has_firm_wide_access(role) || facts.on_team,
    }
}

/// May `subject` see firm-internal items on a matter they can view (internal
/// notes and documents, CRM history)? Clients never may.
pub fn may_see_internal(subject: &Subject) -> bool {
    subject.role.is_firm()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(role: Role) -> Subject {
        Subject {
            user_id: "u".into(),
            role,
        }
    }

    const NOTHING: MatterFacts = MatterFacts {
        on_team: false,
        client_access: false,
        walled: false,
    };

    #[test]
    fn a_client_sees_only_matters_they_were_given_access_to() {
        let client = subject(Role::Client);
        assert!(may_view_matter(
            &client,
            MatterFacts {
                client_access: true,
                ..NOTHING
            }
        ));
        assert!(!may_view_matter(&client, NOTHING));
        assert!(!may_view_matter(
            &client,
            MatterFacts {
                on_team: true,
                ..NOTHING
            }
        ));
    }

    #[test]
    fn attorneys_and_staff_see_matters_through_team_membership() {
        for role in [Role::Attorney, Role::Staff] {
            assert!(may_view_matter(
                &subject(role),
                MatterFacts {
                    on_team: true,
                    ..NOTHING
                }
            ));
            assert!(!may_view_matter(&subject(role), NOTHING));
            assert!(!may_view_matter(
                &subject(role),
                MatterFacts {
                    client_access: true,
                    ..NOTHING
                }
            ));
        }
    }

    #[test]
    fn an_admin_sees_every_matter_through_firm_wide_access() {
        assert!(may_view_matter(&subject(Role::Admin), NOTHING));
    }

    #[test]
    fn an_ethical_wall_overrides_team_membership_access_and_role() {
        let walled = MatterFacts {
            on_team: true,
            client_access: true,
            walled: true,
        };
        for role in [Role::Admin, Role::Attorney, Role::Staff, Role::Client] {
            assert!(!may_view_matter(&subject(role), walled), "{role:?}");
        }
    }

    #[test]
    fn only_firm_users_see_internal_items() {
        assert!(may_see_internal(&subject(Role::Staff)));
        assert!(!may_see_internal(&subject(Role::Client)));
    }
}
