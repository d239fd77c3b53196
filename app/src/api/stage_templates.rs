//! Server functions of the firm's stage templates at `/admin/stages`
//! (admins only).

use leptos::prelude::*;

use crate::domain::{
    AppError,
    matter::settings::{StageInput, StageTemplateView},
};

/// Every template, the default plan first.
#[server(endpoint = "list_stage_templates")]
pub async fn list_stage_templates() -> Result<Vec<StageTemplateView>, AppError> {
    use crate::server::{endpoint, matters::templates};

    endpoint::signed_in(
        |c| async move { templates::list_stage_templates(&c.state, &c.principal).await },
    )
    .await
}

/// Saves a practice area's template (new or replaced), or the default
/// plan when `default_plan` is set; rows left blank are dropped.
#[server(endpoint = "save_stage_template")]
pub async fn save_stage_template(
    #[server(default)] practice_area: String,
    #[server(default)] default_plan: bool,
    #[server(default)] stages: Vec<StageInput>,
) -> Result<(), AppError> {
    use crate::{
        domain::matter::settings::{parse_stage_plan, validate_practice_area},
        server::{endpoint, matters::templates},
    };

    endpoint::signed_in(|c| async move {
        let area = if default_plan {
            ""
        } else {
            validate_practice_area(&practice_area)?
        };
        let plan = parse_stage_plan(&stages)?;
        templates::save_stage_template(&c.state, &c.principal, &c.client, area, &plan).await
    })
    .await
}

/// Removes a practice area's template; the default plan stays.
#[server(endpoint = "remove_stage_template")]
pub async fn remove_stage_template(practice_area: String) -> Result<(), AppError> {
    use crate::{
        domain::matter::settings::validate_practice_area,
        server::{endpoint, matters::templates},
    };

    endpoint::signed_in(|c| async move {
        let area = validate_practice_area(&practice_area)?;
        templates::remove_stage_template(&c.state, &c.principal, &c.client, area).await
    })
    .await
}
