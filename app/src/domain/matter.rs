//! Matters as the UI sees them, and the rules about their stages.

use serde::{Deserialize, Serialize};

use super::ids::MatterId;

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
