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

impl TouchpointView {
    /// A short name for what kind of thing happened, for people: never
    /// the stored code (`portal.billing.listed`).
    pub fn label(&self) -> &'static str {
        let kind = self.kind.as_str();
        let has = |part: &str| kind.contains(part);
        if is_view(kind) {
            "Portal visit"
        } else if has("document_request") {
            "Document request"
        } else if has("document") || has("attachment") {
            "Document"
        } else if has("invoice") || has("billing") || has("payment") {
            "Billing"
        } else if has("message") {
            "Message"
        } else if has("invit") || has("access") {
            "Portal access"
        } else if has("password") {
            "Password"
        } else {
            match kind {
                "call" => "Call",
                "email" => "Email",
                "meeting" => "Meeting",
                "note" => "Note",
                _ => "Activity",
            }
        }
    }
}

/// Whether a touchpoint only records someone looking around the portal
/// (signing in, opening a page), which the timeline folds together.
fn is_view(kind: &str) -> bool {
    kind == "portal.sign_in" || kind.ends_with(".listed") || kind.ends_with(".viewed")
}

/// One line of a timeline as people read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineLine {
    /// Something that happened.
    One(TouchpointView),
    /// Several visits to the portal on one day, newest first: "Active in
    /// the portal on 23 Nov (12 views)", with the visits behind it.
    Active(Vec<TouchpointView>),
}

impl TimelineLine {
    /// A key for keyed lists: the newest entry's id.
    pub fn key(&self) -> String {
        match self {
            Self::One(entry) => entry.id.clone(),
            Self::Active(views) => views.first().map(|v| v.id.clone()).unwrap_or_default(),
        }
    }
}

/// Folds runs of portal visits on the same day (in `clock`'s zone) into
/// one line each; a lone visit stays as it is. Order is kept.
pub fn fold_visits(entries: &[TouchpointView], clock: &super::time::Clock) -> Vec<TimelineLine> {
    let day = |e: &TouchpointView| clock.day_number(e.occurred_at);
    let mut lines: Vec<TimelineLine> = Vec::new();
    let mut run: Vec<TouchpointView> = Vec::new();
    let flush = |run: &mut Vec<TouchpointView>, lines: &mut Vec<TimelineLine>| match run.len() {
        0 => {}
        1 => lines.push(TimelineLine::One(run.remove(0))),
        _ => lines.push(TimelineLine::Active(std::mem::take(run))),
    };
    for entry in entries {
        if is_view(&entry.kind) {
            if run.first().is_some_and(|first| day(first) != day(entry)) {
                flush(&mut run, &mut lines);
            }
            run.push(entry.clone());
        } else {
            flush(&mut run, &mut lines);
            lines.push(TimelineLine::One(entry.clone()));
        }
    }
    flush(&mut run, &mut lines);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::DAY_MS;

    fn entry(id: &str, kind: &str, at: i64) -> TouchpointView {
        TouchpointView {
            id: id.to_owned(),
            kind: kind.to_owned(),
            summary: format!("{kind} {id}"),
            matter_id: None,
            occurred_at: at,
        }
    }

    #[test]
    fn portal_visits_on_one_day_fold_into_one_line_and_the_rest_stay() {
        let day = 100 * DAY_MS;
        let entries = [
            entry("a", "portal.matter.viewed", day + 5_000),
            entry("b", "portal.billing.listed", day + 4_000),
            entry("c", "portal.sign_in", day + 3_000),
            entry("d", "portal.invoice.downloaded", day + 2_000),
            entry("e", "portal.matters.listed", day + 1_000),
            entry("f", "portal.matter.viewed", day - DAY_MS + 2_000),
            entry("g", "portal.matter.viewed", day - DAY_MS + 1_000),
            entry("h", "portal.matters.listed", day - 2 * DAY_MS),
            entry("i", "note", day - 3 * DAY_MS),
        ];
        let lines = fold_visits(&entries, &crate::domain::time::Clock::utc(0));
        let shape: Vec<String> = lines
            .iter()
            .map(|line| match line {
                TimelineLine::One(e) => e.id.clone(),
                TimelineLine::Active(v) => v
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
            })
            .collect();
        assert_eq!(shape, ["a+b+c", "d", "e", "f+g", "h", "i"]);
        assert_eq!(lines[0].key(), "a");
    }

    #[test]
    fn every_kind_has_a_name_for_people_never_its_code() {
        let label = |kind: &str| entry("x", kind, 0).label();
        assert_eq!(label("portal.billing.listed"), "Portal visit");
        assert_eq!(label("portal.document.uploaded"), "Document");
        assert_eq!(
            label("portal.document_request.fulfilled"),
            "Document request"
        );
        assert_eq!(label("portal.invoice.downloaded"), "Billing");
        assert_eq!(label("portal.message.attachment_downloaded"), "Document");
        assert_eq!(label("portal.invited"), "Portal access");
        assert_eq!(label("call"), "Call");
        assert_eq!(label("something.new"), "Activity");
    }
}
