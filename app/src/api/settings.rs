//! Server functions of the firm's settings at `/admin/settings` (admins
//! only), and the firm's name, which every page shows.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    settings::{FirmBrand, FirmSettings},
    time::{Clock, TimeZoneChoice},
};

/// The firm's name and logo, for every page's header: public, since the
/// sign-in page names the firm before anyone signs in.
#[server(endpoint = "get_firm_brand")]
pub async fn get_firm_brand() -> Result<FirmBrand, AppError> {
    use crate::{
        domain::links,
        server::{endpoint, logo, settings},
    };

    endpoint::anyone(|v| async move {
        Ok(FirmBrand {
            name: settings::firm_name(&v.state.db).await?,
            logo_url: logo::version(&v.state.db).await?.map(links::firm_logo),
        })
    })
    .await
}

/// The settings in force.
#[server(endpoint = "get_firm_settings")]
pub async fn get_firm_settings() -> Result<FirmSettings, AppError> {
    use crate::server::{endpoint, settings};

    endpoint::signed_in(
        |c| async move { settings::get_firm_settings(&c.state, &c.principal).await },
    )
    .await
}

/// Saves the settings.
#[server(endpoint = "update_firm_settings")]
pub async fn update_firm_settings(
    firm_name: String,
    currency: String,
    number_pattern: String,
    response_minutes: String,
    hours_start: String,
    hours_end: String,
    time_zone: String,
) -> Result<(), AppError> {
    use crate::server::{endpoint, settings};

    endpoint::signed_in(|c| async move {
        let new = FirmSettings::parse(
            &firm_name,
            &currency,
            &number_pattern,
            &response_minutes,
            &hours_start,
            &hours_end,
            &time_zone,
        )?;
        settings::update_firm_settings(&c.state, &c.principal, &c.client, &new).await
    })
    .await
}

/// Saves how clients pay, shown on their home beside what they owe.
#[server(endpoint = "set_payment_instructions")]
pub async fn set_payment_instructions(payment_instructions: String) -> Result<(), AppError> {
    use crate::server::{endpoint, settings};

    endpoint::signed_in(|c| async move {
        settings::set_payment_instructions(&c.state, &c.principal, &c.client, &payment_instructions)
            .await
    })
    .await
}

/// The clock this visitor reads times with: their own zone, or the firm's
/// (signed out too: the sign-in page and public pages use the firm's).
#[server(endpoint = "get_clock")]
pub async fn get_clock() -> Result<Clock, AppError> {
    use crate::server::{auth, clock, endpoint};

    endpoint::anyone(|v| async move {
        let viewer = auth::current().principal;
        Ok(clock::for_viewer(&v.state.db, viewer.as_ref()).await?)
    })
    .await
}

/// The zones to choose from, with the firm's and the user's own choice,
/// for `/account` and `/admin/settings`.
#[server(endpoint = "get_time_zone_choice")]
pub async fn get_time_zone_choice() -> Result<TimeZoneChoice, AppError> {
    use crate::server::{clock, endpoint};

    endpoint::signed_in(|c| async move { clock::choice(&c.state, &c.principal).await }).await
}

/// Sets the zone the user reads times in; empty goes back to the firm's.
#[server(endpoint = "set_my_time_zone")]
pub async fn set_my_time_zone(time_zone: String) -> Result<String, AppError> {
    use crate::server::{clock, endpoint};

    endpoint::signed_in(
        |c| async move { clock::set_own_zone(&c.state, &c.principal, &time_zone).await },
    )
    .await
}

/// Takes programs and scripts as uploads, or stops (admins only).
#[server(endpoint = "set_allow_programs")]
pub async fn set_allow_programs(allowed: Option<String>) -> Result<(), AppError> {
    use crate::server::{endpoint, settings};

    endpoint::signed_in(|c| async move {
        settings::set_allow_programs(&c.state, &c.principal, &c.client, allowed.is_some()).await
    })
    .await
}
