//! A matter's "Settings" panel (issue 11, point 4): its team and their
//! roles, its parties, its stage plan, and whether it is open. The same
//! stage-plan rules serve the firm's templates at `/admin/stages`.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AppError,
    ids::{MatterId, PartyId, UserId},
    wall::WallView,
};

/// The most stages a plan may have: more would not read as a timeline.
pub const MAX_STAGES: usize = 20;
/// The longest stage name, in characters.
pub const MAX_STAGE_NAME_CHARS: usize = 80;
/// The longest stage description, in characters.
pub const MAX_STAGE_DESCRIPTION_CHARS: usize = 300;
/// The longest party name, in characters.
pub const MAX_PARTY_NAME_CHARS: usize = 200;
/// The longest practice area name, in characters.
pub const MAX_PRACTICE_AREA_CHARS: usize = 80;
/// The most practice areas with a template of their own.
pub const MAX_STAGE_TEMPLATES: usize = 100;

/// How someone works on a matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamRole {
    /// The attorney who answers for it.
    Responsible,
    /// Anyone else on the team.
    Member,
}

impl TeamRole {
    /// Every role, in the order the form offers them.
    pub const ALL: [Self; 2] = [Self::Responsible, Self::Member];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Responsible => "responsible",
            Self::Member => "member",
        }
    }

    /// As the page says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Responsible => "Responsible attorney",
            Self::Member => "Team member",
        }
    }

    /// The role from its stored name.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] for anything else.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim())
            .ok_or_else(|| {
                AppError::BadRequest("Role on the matter: responsible or member.".to_owned())
            })
    }
}

/// What a party is to the matter; the conflict check reads them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartyRole {
    /// The firm's client.
    Client,
    /// Another party on the client's side or neither side.
    Party,
    /// The other side.
    OpposingParty,
    /// The other side's lawyers.
    OpposingCounsel,
}

impl PartyRole {
    /// Every role, in the order the form offers them.
    pub const ALL: [Self; 4] = [
        Self::Client,
        Self::Party,
        Self::OpposingParty,
        Self::OpposingCounsel,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Party => "party",
            Self::OpposingParty => "opposing_party",
            Self::OpposingCounsel => "opposing_counsel",
        }
    }

    /// As the page says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Client => "Client",
            Self::Party => "Other party",
            Self::OpposingParty => "Opposing party",
            Self::OpposingCounsel => "Opposing counsel",
        }
    }

    /// The role from its stored name.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] for anything else.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim())
            .ok_or_else(|| {
                AppError::BadRequest(
                    "Party role: client, other party, opposing party or opposing counsel."
                        .to_owned(),
                )
            })
    }
}

/// A party's name as typed: trimmed, 1 to [`MAX_PARTY_NAME_CHARS`].
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_party_name(raw: &str) -> Result<&str, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_PARTY_NAME_CHARS {
        return Err(AppError::BadRequest(format!(
            "Party name: 1 to {MAX_PARTY_NAME_CHARS} characters."
        )));
    }
    Ok(name)
}

/// One stage of a plan, as the form sends it and the page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageInput {
    /// What the client sees on the timeline.
    #[serde(default)]
    pub name: String,
    /// A sentence the client sees beside it.
    #[serde(default)]
    pub description: String,
}

/// A stage plan as typed: rows with neither a name nor a description are
/// the form's spare rows and are dropped; the rest are trimmed and kept in
/// order. A plan has 1 to [`MAX_STAGES`] stages.
///
/// # Errors
/// [`AppError::BadRequest`] naming the stage to fix.
pub fn parse_stage_plan(rows: &[StageInput]) -> Result<Vec<StageInput>, AppError> {
    let mut plan = Vec::new();
    for row in rows {
        let (name, description) = (row.name.trim(), row.description.trim());
        if name.is_empty() && description.is_empty() {
            continue;
        }
        let n = plan.len() + 1;
        if name.is_empty() || name.chars().count() > MAX_STAGE_NAME_CHARS {
            return Err(AppError::BadRequest(format!(
                "Stage {n}: a name of 1 to {MAX_STAGE_NAME_CHARS} characters."
            )));
        }
        if description.chars().count() > MAX_STAGE_DESCRIPTION_CHARS {
            return Err(AppError::BadRequest(format!(
                "Stage {n}: a description of at most {MAX_STAGE_DESCRIPTION_CHARS} characters."
            )));
        }
        plan.push(StageInput {
            name: name.to_owned(),
            description: description.to_owned(),
        });
    }
    if plan.is_empty() || plan.len() > MAX_STAGES {
        return Err(AppError::BadRequest(format!(
            "A stage plan has 1 to {MAX_STAGES} stages."
        )));
    }
    Ok(plan)
}

/// A practice area's name as typed for a stage template: trimmed, 1 to
/// [`MAX_PRACTICE_AREA_CHARS`]. The firm's default plan has no name and is
/// addressed with an empty one, so this is only for a named area.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_practice_area(raw: &str) -> Result<&str, AppError> {
    let area = raw.trim();
    if area.is_empty() || area.chars().count() > MAX_PRACTICE_AREA_CHARS {
        return Err(AppError::BadRequest(format!(
            "Practice area: 1 to {MAX_PRACTICE_AREA_CHARS} characters."
        )));
    }
    Ok(area)
}

/// One practice area's stage template at `/admin/stages`: a new matter in
/// that area starts with a copy of these stages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTemplateView {
    /// The practice area; empty for the firm's default plan, which a
    /// matter in an area with no template of its own gets.
    pub practice_area: String,
    /// The stages, in order.
    pub stages: Vec<StageInput>,
    /// How many matters were opened in this area (their plans are their
    /// own copies, which a template change leaves alone).
    pub matters: i64,
}

/// Someone on the matter's team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberView {
    /// The firm user.
    pub user_id: UserId,
    /// Their name.
    pub name: String,
    /// Their firm role (admin, attorney, staff).
    pub firm_role: String,
    /// Their role on this matter.
    pub role: TeamRole,
}

/// A party to the matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    /// The party.
    pub id: PartyId,
    /// Their name.
    pub name: String,
    /// What they are to the matter.
    pub role: PartyRole,
}

/// The matter's settings panel, for the firm users who may change it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterSettingsView {
    /// The matter.
    pub matter_id: MatterId,
    /// Its number, for the page's sentences.
    pub number: String,
    /// The client account the matter is for.
    pub account_name: String,
    /// Closed since (UTC ms); `None` while open.
    pub closed_at: Option<i64>,
    /// The team, responsible attorneys first.
    pub team: Vec<TeamMemberView>,
    /// (id, "name (role)") of the active firm users not yet on the team.
    pub colleagues: Vec<(UserId, String)>,
    /// The parties, in the order they were added.
    pub parties: Vec<PartyView>,
    /// The stage plan.
    pub stages: Vec<StageInput>,
    /// The stage the matter is at (1-based).
    pub current_stage: i64,
    /// The viewer may raise walls on this matter (admins).
    pub can_manage_walls: bool,
    /// The walls in force on the matter (for admins; empty otherwise).
    pub walls: Vec<WallView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, description: &str) -> StageInput {
        StageInput {
            name: name.to_owned(),
            description: description.to_owned(),
        }
    }

    #[test]
    fn a_stage_plan_drops_spare_rows_and_keeps_the_order_trimmed() {
        let plan = parse_stage_plan(&[
            row(" Intake ", " We listen. "),
            row("", ""),
            row("Trial", ""),
            row("  ", "  "),
        ]);
        assert_eq!(
            plan,
            Ok(vec![row("Intake", "We listen."), row("Trial", "")])
        );
    }

    #[test]
    fn a_stage_plan_needs_a_name_for_every_described_stage_and_one_stage_at_least() {
        assert!(parse_stage_plan(&[row("", "A description with no name")]).is_err());
        assert!(parse_stage_plan(&[row("", "")]).is_err());
        assert!(parse_stage_plan(&[]).is_err());
        let too_many = vec![row("Step", ""); MAX_STAGES + 1];
        assert!(parse_stage_plan(&too_many).is_err());
        let long = "x".repeat(MAX_STAGE_DESCRIPTION_CHARS + 1);
        assert!(parse_stage_plan(&[row("Step", &long)]).is_err());
    }

    #[test]
    fn roles_read_back_from_their_stored_names_only() {
        for role in PartyRole::ALL {
            assert_eq!(PartyRole::parse(role.as_str()), Ok(role));
        }
        for role in TeamRole::ALL {
            assert_eq!(TeamRole::parse(role.as_str()), Ok(role));
        }
        assert!(PartyRole::parse("judge").is_err());
        assert!(TeamRole::parse("Responsible attorney").is_err());
        assert!(validate_party_name("  ").is_err());
        assert!(validate_practice_area(" ").is_err());
        assert_eq!(validate_practice_area(" Family "), Ok("Family"));
        assert_eq!(validate_party_name(" Acme Ltd "), Ok("Acme Ltd"));
    }
}
