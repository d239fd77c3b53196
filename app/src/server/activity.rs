//! Recording what users look at (DESIGN §2.9: reads are audited too). Every
//! view of client data writes an audit row; a client's views also land on
//! their CRM timeline as touchpoints.

use super::{
    audit::{self, AuditEntry, AuditResult},
    auth::ClientInfo,
    auth::Principal,
    db::Db,
    touchpoints::{self, NewTouchpoint},
};
use crate::domain::ids::MatterId;

/// A view to record.
pub struct View<'a> {
    /// The audit action, e.g. `matters.listed`.
    pub action: &'a str,
    /// The object viewed, if one: (kind, id).
    pub object: Option<(&'a str, &'a str)>,
    /// The matter it concerns, for the timeline.
    pub matter: Option<&'a MatterId>,
    /// The timeline line for clients, e.g. "Viewed their matters".
    pub summary: &'a str,
}

/// Records that `principal` viewed something.
pub async fn viewed(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    view: &View<'_>,
) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    let mut entry = AuditEntry::by(principal, client, view.action, AuditResult::Success);
    if let Some((kind, id)) = view.object {
        entry = entry.object(kind, id);
    }
    audit::append(&mut tx, &entry).await?;
    if let Some(contact_id) = &principal.contact_id {
        touchpoints::record(
            &mut tx,
            &NewTouchpoint {
                contact_id: contact_id.clone(),
                matter_id: view.matter.cloned(),
                kind: format!("portal.{}", view.action),
                summary: view.summary.to_owned(),
                actor_user_id: Some(principal.user_id.clone()),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
