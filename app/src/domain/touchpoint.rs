//! The CRM timeline as the UI sees it: one interaction with a contact.

use serde::{Deserialize, Serialize};

use super::ids::MatterId;

/// One entry on a contact's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TouchpointView {
    /// The touchpoint's id (UUIDv7 text).
    pub id: String,
    /// What happened, as a dotted name such as `portal.sign_in`.
    pub kind: String,
    /// A one-line description for the timeline.
    pub summary: String,
    /// The matter it concerned, if any.
    pub matter_id: Option<MatterId>,
    /// When it happened, in UTC milliseconds.
    pub occurred_at: i64,
}

impl TouchpointView {
    /// The keyset cursor that fetches the page after this entry: pass it as
    /// `before` with the last entry of a page.
    pub fn cursor(&self) -> (i64, String) {
        (self.occurred_at, self.id.clone())
    }
}
