//! The client's home (issue 12, point 5): what the portal asks of them,
//! what is new, what comes next and what they owe, ahead of their matters.

use serde::{Deserialize, Serialize};

use super::{ids::MatterId, money::Money};

/// The cards at the top of a client's dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHomeView {
    /// Documents the firm asked for and has not received: overdue first,
    /// then by due date, then the undated.
    pub to_do: Vec<ToDoView>,
    /// Messages to the client not read yet.
    pub unread_messages: i64,
    /// The next key date on any of their matters, if one is coming.
    pub next_date: Option<NextDateView>,
    /// The balance of their issued statements, one sum per currency; empty
    /// when nothing is owed.
    pub owed: Vec<Money>,
    /// How to pay, from the firm's settings (may be empty).
    pub payment_instructions: String,
}

/// One thing the client is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToDoView {
    /// What is asked for ("Photo ID").
    pub title: String,
    /// The matter it is for.
    pub matter_id: MatterId,
    /// That matter's number.
    pub matter_number: String,
    /// When it is due, as people say it ("due in 3 days", "overdue by 2
    /// days"), if the firm set a date.
    pub due: Option<String>,
    /// Past its due date.
    pub overdue: bool,
    /// Sent back by the firm, with its reason.
    pub sent_back: Option<String>,
}

/// The next key date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextDateView {
    /// What it is ("Case management hearing").
    pub title: String,
    /// hearing, deadline, meeting or other.
    pub kind: String,
    /// When it starts (UTC ms).
    pub starts_at: i64,
    /// How soon, as people say it ("in 4 days").
    pub when: String,
    /// The matter it belongs to.
    pub matter_id: MatterId,
    /// That matter's number.
    pub matter_number: String,
}
