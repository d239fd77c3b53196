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

/// May `subject` invite a contact to the client portal? Staff run
/// onboarding and the admin runs the firm; attorneys ask them. Clients
/// never may.
pub fn may_invite(subject: &Subject) -> bool {
    matches!(subject.role, Role::Staff | Role::Admin)
}

/// May `subject` list the firm's CRM contacts? Every firm user may; clients
/// never see other people's records.
pub fn may_view_contacts(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` use the firm's search box? Every firm user may; the
/// matters it finds are still only those [`may_view_matter`] allows.
/// Clients never may.
pub fn may_search(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` read the email outbox? Only the admin: it holds live
/// one-time links to other people's accounts.
pub fn may_view_outbox(subject: &Subject) -> bool {
    matches!(subject.role, Role::Admin)
}

/// May `subject` raise and lift ethical walls, and read their history?
/// Only the admin: a wall is the firm's answer to a conflict, and who is
/// screened from what is itself sensitive.
pub fn may_manage_walls(subject: &Subject) -> bool {
    matches!(subject.role, Role::Admin)
}

/// May `subject` manage the firm's users: invite colleagues, change roles,
/// disable and enable, end sessions, reset MFA? Only the admin, who runs
/// the firm.
pub fn may_manage_users(subject: &Subject) -> bool {
    matches!(subject.role, Role::Admin)
}

/// May `subject` read and change the firm's settings (name, currency,
/// numbering, response target, hours, the stage templates)? Only the
/// admin, who runs the firm.
pub fn may_manage_settings(subject: &Subject) -> bool {
    matches!(subject.role, Role::Admin)
}

/// May `subject` work the intake list: see leads, add them by hand and
/// record their first response? Every firm user may (intake staff most of
/// all); clients never may.
pub fn may_run_intake(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` open a new matter? Every firm user may: the one who opens
/// it joins its team, so they can see what they opened. Clients never may.
pub fn may_open_matter(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` give or revoke a client's portal access to a matter they
/// can view? Those who may invite to the portal: staff and the admin.
pub fn may_manage_portal_access(subject: &Subject) -> bool {
    may_invite(subject)
}

/// May `subject` change a matter they can view: its stages, key dates, status
/// notes and what the client sees of them? The firm's people may; clients
/// may not.
pub fn may_edit_matter(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May the content of a matter change: its stages, dates and notes, its
/// documents and requests, its messages and its billing? Not once it is
/// closed: a closed matter is the record as it stood, read-only until it
/// is reopened. Reading it, downloading its documents and managing who
/// may see it go on as before.
pub fn may_change_matter(closed: bool) -> bool {
    !closed
}

/// May `subject` change a matter's settings (team, parties, stage plan)
/// and close or reopen it, on a matter they can view? The firm's people
/// who work on it may; clients may not.
pub fn may_manage_matter_settings(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` see a document of this visibility on a matter they can
/// view? Clients see only client-visible documents; firm users see internal
/// ones too.
pub fn may_see_document(subject: &Subject, visibility: super::document::Visibility) -> bool {
    visibility == super::document::Visibility::Client || may_see_internal(subject)
}

/// May `subject` upload a document of this visibility to a matter they can
/// view? Clients upload only client-visible documents (their own, on their
/// matters); only firm users file internal ones.
pub fn may_upload_document(subject: &Subject, visibility: super::document::Visibility) -> bool {
    may_see_document(subject, visibility)
}

/// May `subject` upload a new version of a document of this visibility,
/// first uploaded by `created_by`, on a matter they can view? Firm users
/// version any document they may see. A client versions only their own
/// uploads: never the firm's letters, nor another client's file on a
/// matter they share, whose current version every reader would take as
/// its author's.
pub fn may_replace_document(
    subject: &Subject,
    visibility: super::document::Visibility,
    created_by: &str,
) -> bool {
    may_see_document(subject, visibility)
        && (may_manage_documents(subject) || subject.user_id == created_by)
}

/// May `subject` manage a matter's documents: change visibility, ask the
/// client for documents, accept or reject uploads? Firm users only.
pub fn may_manage_documents(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` create invoices, issue or void them and record payments on
/// matters they can see? Staff do the firm's billing and the admin runs the
/// firm; attorneys see their matters' invoices but do not keep the books.
pub fn may_manage_billing(subject: &Subject) -> bool {
    matches!(subject.role, Role::Staff | Role::Admin)
}

/// May `subject` see an invoice on a matter they can view? Drafts are the
/// firm's work in progress: clients see only issued (or voided) invoices.
pub fn may_view_invoice(subject: &Subject, is_draft: bool) -> bool {
    subject.role.is_firm() || !is_draft
}

/// May `subject` take part in a matter's message threads (read, write,
/// start one)? Exactly those who may view the matter: its clients with
/// portal access, its team, and the firm-wide roles, never across an
/// ethical wall. Messaging adds no access of its own.
pub fn may_message(subject: &Subject, facts: MatterFacts) -> bool {
    may_view_matter(subject, facts)
}

/// Does `subject` get the client's home cards (what to do, what is owed)?
/// Clients only: the firm's dashboard is its matters.
pub fn has_client_home(subject: &Subject) -> bool {
    subject.role == Role::Client
}

/// May `subject` use the attorney inbox (threads waiting for the firm) and
/// see response-time targets? Firm users only.
pub fn may_use_inbox(subject: &Subject) -> bool {
    subject.role.is_firm()
}

/// May `subject` retract the message sent by `sender_id`? Only its sender:
/// a retraction is the author's own correction, never another's censorship.
pub fn may_retract_message(subject: &Subject, sender_id: &str) -> bool {
    subject.user_id == sender_id
}

/// Whether and how a document may go out as a message attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// Client-visible already: every participant may open it.
    AsIs,
    /// A firm user's own internal upload (what their composer makes, so a
    /// file picked by mistake is never shown to the client): sending the
    /// message shares it with the client.
    ShareOnSend,
    /// Someone else's internal document: share it on purpose first.
    Refused,
}

/// How `subject`'s composer uploads files: firm users' stay internal until
/// the message is sent ([`Attach::ShareOnSend`]); clients' are their own
/// documents, client-visible from the start.
pub fn composer_upload_visibility(subject: &Subject) -> super::document::Visibility {
    if may_manage_documents(subject) {
        super::document::Visibility::Internal
    } else {
        super::document::Visibility::Client
    }
}

/// How `subject` may attach a document of this visibility; `own_upload`
/// says whether it is a fresh upload of theirs (its only version is
/// theirs). Every participant of a thread, the
/// matter's clients included, may open what a message carries.
pub fn attach_rule(
    subject: &Subject,
    visibility: super::document::Visibility,
    own_upload: bool,
) -> Attach {
    if visibility == super::document::Visibility::Client {
        Attach::AsIs
    } else if may_manage_documents(subject) && own_upload {
        Attach::ShareOnSend
    } else {
        Attach::Refused
    }
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
    fn only_firm_users_edit_matters() {
        assert!(may_edit_matter(&subject(Role::Attorney)));
        assert!(!may_edit_matter(&subject(Role::Client)));
    }

    #[test]
    fn only_firm_users_see_internal_items() {
        assert!(may_see_internal(&subject(Role::Staff)));
        assert!(!may_see_internal(&subject(Role::Client)));
    }

    #[test]
    fn only_staff_and_admins_may_invite_contacts_to_the_portal() {
        assert!(may_invite(&subject(Role::Staff)));
        assert!(may_invite(&subject(Role::Admin)));
        assert!(!may_invite(&subject(Role::Attorney)));
        assert!(!may_invite(&subject(Role::Client)));
    }

    #[test]
    fn every_firm_user_and_no_client_may_list_contacts() {
        for role in [Role::Admin, Role::Attorney, Role::Staff] {
            assert!(may_view_contacts(&subject(role)), "{role:?}");
        }
        assert!(!may_view_contacts(&subject(Role::Client)));
        for role in [Role::Admin, Role::Attorney, Role::Staff] {
            assert!(may_search(&subject(role)), "{role:?}");
        }
        assert!(!may_search(&subject(Role::Client)));
    }

    #[test]
    fn only_the_admin_may_read_the_outbox() {
        assert!(may_view_outbox(&subject(Role::Admin)));
        for role in [Role::Attorney, Role::Staff, Role::Client] {
            assert!(!may_view_outbox(&subject(role)), "{role:?}");
        }
    }

    #[test]
    fn firm_users_open_matters_and_staff_and_admins_give_portal_access() {
        for role in [Role::Admin, Role::Attorney, Role::Staff] {
            assert!(may_open_matter(&subject(role)), "{role:?}");
        }
        assert!(!may_open_matter(&subject(Role::Client)));
        assert!(may_manage_portal_access(&subject(Role::Staff)));
        assert!(may_manage_portal_access(&subject(Role::Admin)));
        assert!(!may_manage_portal_access(&subject(Role::Attorney)));
        assert!(!may_manage_portal_access(&subject(Role::Client)));
    }

    #[test]
    fn only_the_admin_may_manage_the_firms_users_and_settings() {
        assert!(may_manage_users(&subject(Role::Admin)));
        assert!(may_manage_settings(&subject(Role::Admin)));
        for role in [Role::Attorney, Role::Staff, Role::Client] {
            assert!(!may_manage_users(&subject(role)), "{role:?}");
            assert!(!may_manage_settings(&subject(role)), "{role:?}");
        }
    }
    #[test]
    fn clients_see_and_upload_only_client_visible_documents() {
        use crate::domain::document::Visibility;
        let client = subject(Role::Client);
        assert!(may_see_document(&client, Visibility::Client));
        assert!(!may_see_document(&client, Visibility::Internal));
        assert!(!may_upload_document(&client, Visibility::Internal));
        assert!(!may_manage_documents(&client));
        for role in [Role::Admin, Role::Attorney, Role::Staff] {
            assert!(
                may_see_document(&subject(role), Visibility::Internal),
                "{role:?}"
            );
            assert!(
                may_upload_document(&subject(role), Visibility::Internal),
                "{role:?}"
            );
            assert!(may_manage_documents(&subject(role)), "{role:?}");
        }
    }

    #[test]
    fn a_client_versions_only_their_own_uploads_and_the_firm_any_it_sees() {
        use crate::domain::document::Visibility::{Client, Internal};
        let client = subject(Role::Client);
        assert!(may_replace_document(&client, Client, &client.user_id));
        assert!(!may_replace_document(&client, Client, "the firm"));
        assert!(!may_replace_document(&client, Internal, &client.user_id));
        for role in [Role::Admin, Role::Attorney, Role::Staff] {
            assert!(
                may_replace_document(&subject(role), Client, "a client"),
                "{role:?}"
            );
            assert!(
                may_replace_document(&subject(role), Internal, "someone"),
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_staff_and_admins_manage_billing() {
        assert!(may_manage_billing(&subject(Role::Staff)));
        assert!(may_manage_billing(&subject(Role::Admin)));
        assert!(!may_manage_billing(&subject(Role::Attorney)));
        assert!(!may_manage_billing(&subject(Role::Client)));
    }

    #[test]
    fn clients_never_see_draft_invoices_and_firm_users_do() {
        assert!(!may_view_invoice(&subject(Role::Client), true));
        assert!(may_view_invoice(&subject(Role::Client), false));
        for role in [Role::Admin, Role::Attorney, Role::Staff] {
            assert!(may_view_invoice(&subject(role), true), "{role:?}");
        }
    }

    #[test]
    fn only_firm_users_have_an_inbox() {
        assert!(may_use_inbox(&subject(Role::Attorney)));
        assert!(may_use_inbox(&subject(Role::Staff)));
        assert!(!may_use_inbox(&subject(Role::Client)));
    }

    #[test]
    fn only_the_sender_may_retract_a_message() {
        let me = subject(Role::Attorney);
        assert!(may_retract_message(&me, &me.user_id));
        assert!(!may_retract_message(&me, "someone else"));
    }

    #[test]
    fn an_internal_document_is_attached_only_by_the_firm_user_who_uploaded_it() {
        use crate::domain::document::Visibility::{Client, Internal};
        let attorney = subject(Role::Attorney);
        let client = subject(Role::Client);
        assert_eq!(attach_rule(&client, Client, true), Attach::AsIs);
        assert_eq!(attach_rule(&attorney, Client, false), Attach::AsIs);
        assert_eq!(attach_rule(&attorney, Internal, true), Attach::ShareOnSend);
        assert_eq!(attach_rule(&attorney, Internal, false), Attach::Refused);
        assert_eq!(attach_rule(&client, Internal, true), Attach::Refused);
    }

    #[test]
    fn an_ethical_wall_keeps_a_team_member_out_of_the_matters_messages() {
        let facts = MatterFacts {
            on_team: true,
            client_access: false,
            walled: true,
        };
        assert!(!may_message(&subject(Role::Attorney), facts));
        assert!(may_message(
            &subject(Role::Attorney),
            MatterFacts {
                walled: false,
                ..facts
            }
        ));
        assert!(!may_message(
            &subject(Role::Client),
            MatterFacts {
                walled: false,
                ..facts
            }
        ));
    }
}
