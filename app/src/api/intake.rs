//! Server functions of intake: the public enquiry form at `/enquire` and
//! the intake list at `/intake` (issue 13, points 1 and 2).

use leptos::prelude::*;

use crate::domain::{
    AppError,
    intake::{EnquiryInput, IntakeView},
};

/// Sends the public enquiry form. Everyone gets the same answer (see
/// `ENQUIRY_RECEIVED`), whoever they are; flood limits stand in front.
#[server(endpoint = "submit_enquiry")]
pub async fn submit_enquiry(enquiry: EnquiryInput) -> Result<(), AppError> {
    use crate::{
        domain::intake::Enquiry,
        server::{endpoint, intake},
    };

    endpoint::anyone(|v| async move {
        let checked = Enquiry::parse(&enquiry.form())?;
        intake::submit_enquiry(&v.state, &v.client, &checked, &enquiry.website).await
    })
    .await
}

/// The intake list (firm users).
#[server(endpoint = "list_leads")]
pub async fn list_leads() -> Result<IntakeView, AppError> {
    use crate::server::{endpoint, intake};

    endpoint::signed_in(|c| async move { intake::list_leads(&c.state, &c.principal).await }).await
}

/// Adds a lead typed in by staff. Returns its id.
#[server(endpoint = "add_lead")]
pub async fn add_lead(enquiry: EnquiryInput) -> Result<String, AppError> {
    use crate::{
        domain::intake::Enquiry,
        server::{endpoint, intake},
    };

    endpoint::signed_in(|c| async move {
        let checked = Enquiry::parse(&enquiry.form())?;
        intake::add_lead(&c.state, &c.principal, &c.client, &checked).await
    })
    .await
}

/// Records how a lead was first answered; its clock stops.
#[server(endpoint = "record_first_response")]
pub async fn record_first_response(lead_id: String, kind: String) -> Result<(), AppError> {
    use crate::server::{endpoint, intake};

    endpoint::signed_in(|c| async move {
        intake::record_first_response(&c.state, &c.principal, &c.client, &lead_id, &kind).await
    })
    .await
}
