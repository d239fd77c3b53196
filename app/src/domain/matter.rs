//! Matters as the UI sees them, and the rules about their stages.

use serde::{Deserialize, Serialize};

use super::ids::MatterId;

pub mod opening;
pub mod settings;

/// One row of the dashboard's matter list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterSummaryView {
    /// The matter.
    pub id: MatterId,
    /// The firm's matter number, e.g. `LIT-2026-0012`.
    pub number: String,
    /// A short title.
    pub title: String,
    /// The practice area, e.g. "Litigation".
    pub practice_area: String,
    /// The client account's name.
    pub client_name: String,
    /// The name of the current stage, if the matter has stages.
    pub current_stage: Option<String>,
    /// The current stage's 1-based position.
    pub stage_position: i64,
    /// How many stages the matter has.
    pub stage_count: i64,
    /// `open` or `closed`.
    pub status: String,
}

impl MatterSummaryView {
    /// Progress through the stages as a whole percentage, for the progress
    /// bar: 0 before the first stage, 100 at the last.
    pub fn progress_percent(&self) -> i64 {
        if self.stage_count <= 1 {
            return if self.stage_position >= self.stage_count {
                100
            } else {
                0
            };
        }
        let done = (self.stage_position - 1).clamp(0, self.stage_count - 1);
        done * 100 / (self.stage_count - 1)
    }

    /// True when `query` (already lower-cased) appears in the number, title,
    /// client or practice area. Used by the dashboard's instant filter.
    pub fn matches(&self, query: &str) -> bool {
        query.is_empty()
            || [
                &self.number,
                &self.title,
                &self.client_name,
                &self.practice_area,
            ]
            .iter()
            .any(|field| field.to_lowercase().contains(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(position: i64, count: i64) -> MatterSummaryView {
        MatterSummaryView {
            id: MatterId::from_trusted("m".into()),
            number: "LIT-2026-0001".into(),
            title: "Harbour lease dispute".into(),
            practice_area: "Litigation".into(),
            client_name: "Moreau Bakery Ltd".into(),
            current_stage: Some("Discovery".into()),
            stage_position: position,
            stage_count: count,
            status: "open".into(),
        }
    }

    #[test]
    fn progress_runs_from_zero_at_the_first_stage_to_a_hundred_at_the_last() {
        assert_eq!(summary(1, 5).progress_percent(), 0);
        assert_eq!(summary(3, 5).progress_percent(), 50);
        assert_eq!(summary(5, 5).progress_percent(), 100);
        assert_eq!(summary(9, 5).progress_percent(), 100);
        assert_eq!(summary(1, 1).progress_percent(), 100);
        assert_eq!(summary(0, 0).progress_percent(), 100);
    }

    #[test]
    fn the_filter_matches_number_title_client_and_area_case_insensitively() {
        let m = summary(1, 3);
        assert!(m.matches(""));
        assert!(m.matches("harbour"));
        assert!(m.matches("lit-2026"));
        assert!(m.matches("bakery"));
        assert!(m.matches("litigation"));
        assert!(!m.matches("probate"));
    }
}

/// Where a stage sits relative to the matter's current stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StagePhase {
    /// Completed.
    Past,
    /// In progress.
    Current,
    /// Not yet reached.
    Next,
}

impl StagePhase {
    /// Places a stage at `position` relative to the `current` position.
    pub fn of(position: i64, current: i64) -> Self {
        match position.cmp(&current) {
            std::cmp::Ordering::Less => Self::Past,
            std::cmp::Ordering::Equal => Self::Current,
            std::cmp::Ordering::Greater => Self::Next,
        }
    }

    /// The CSS class and the word a screen reader hears.
    pub fn label(self) -> &'static str {
        match self {
            Self::Past => "done",
            Self::Current => "current",
            Self::Next => "next",
        }
    }
}

/// One stage on the matter's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageView {
    /// 1-based position.
    pub position: i64,
    /// Its name.
    pub name: String,
    /// What happens in it, in words for the client (may be empty).
    pub description: String,
    /// Past, current or next.
    pub phase: StagePhase,
}

/// The kinds of key date.
pub const KEY_DATE_KINDS: &[&str] = &["hearing", "deadline", "meeting", "other"];

/// A hearing, deadline or meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDateView {
    /// Its id.
    pub id: String,
    /// hearing, deadline, meeting or other.
    pub kind: String,
    /// What it is.
    pub title: String,
    /// When it starts (UTC ms).
    pub starts_at: i64,
    /// When it ends (UTC ms), if known.
    pub ends_at: Option<i64>,
    /// Where.
    pub location: Option<String>,
    /// Shown to the client.
    pub client_visible: bool,
}

/// A private calendar feed link, shown once to the user who asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeedView {
    /// The feed's path, secret token included.
    pub path: String,
    /// The full `https://…/calendar/….ics` address, to paste into a
    /// calendar app.
    pub url: String,
    /// When the link stops working (UTC ms); asking for a new link renews it.
    pub expires_at: i64,
}

impl CalendarFeedView {
    /// The same address as a `webcal:` link, which calendar apps open
    /// directly to subscribe.
    pub fn webcal(&self) -> String {
        let rest = self
            .url
            .strip_prefix("https://")
            .or_else(|| self.url.strip_prefix("http://"))
            .unwrap_or(&self.url);
        format!("webcal://{rest}")
    }
}

/// A status note on a matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    /// Its id.
    pub id: String,
    /// The text (decrypted for this reader).
    pub body: String,
    /// Shared with the client.
    pub client_visible: bool,
    /// Who wrote it.
    pub author: Option<String>,
    /// When (UTC ms).
    pub created_at: i64,
}

/// Everything on the matter page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterDetailView {
    /// Number, title, client, current stage.
    pub summary: MatterSummaryView,
    /// The stages in order.
    pub stages: Vec<StageView>,
    /// Key dates, soonest first (clients see only client-visible ones).
    pub key_dates: Vec<KeyDateView>,
    /// Status notes, newest first (clients see only shared ones).
    pub notes: Vec<NoteView>,
    /// The viewer may edit stages, dates and notes (firm users).
    pub can_edit: bool,
    /// The viewer may give and revoke clients' portal access (staff and
    /// admins).
    pub can_manage_access: bool,
    /// The viewer may see and change the matter's settings panel (firm
    /// users).
    pub can_manage_settings: bool,
    /// How fast the firm answers client messages on this matter; for firm
    /// users only (`None` for clients).
    pub response_target: Option<ResponseTargetView>,
}

/// A matter's response-time target for client messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTargetView {
    /// The matter's own target in minutes, if it sets one.
    pub own_minutes: Option<i64>,
    /// The firm's default, used when the matter sets none.
    pub firm_minutes: i64,
}

/// The longest note accepted.
pub const MAX_NOTE_CHARS: usize = 4000;
/// The longest key-date title or location accepted.
pub const MAX_TITLE_CHARS: usize = 200;

#[cfg(test)]
mod detail_tests {
    use super::*;

    #[test]
    fn stages_before_the_current_one_are_past_and_after_it_next() {
        assert_eq!(StagePhase::of(1, 2), StagePhase::Past);
        assert_eq!(StagePhase::of(2, 2), StagePhase::Current);
        assert_eq!(StagePhase::of(3, 2), StagePhase::Next);
    }
}
