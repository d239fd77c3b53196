//! Server functions for billing statements. The PDF is a plain route
//! (`GET /api/invoices/{id}/pdf`, in the server crate), because a browser
//! downloads it with a link.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    billing::{BillingView, InvoiceView, NewInvoice},
};

/// The invoices and trust balances the user may see; with `matter_id`,
/// only that matter's.
#[server(endpoint = "list_invoices")]
pub async fn list_invoices(matter_id: Option<String>) -> Result<BillingView, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{AppState, ServiceError, auth, billing},
    };

    let principal = auth::require_principal()?;
    let matter = matter_id
        .filter(|m| !m.is_empty())
        .map(|m| MatterId::parse(&m))
        .transpose()
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    billing::list_billing(
        &state.db,
        &principal,
        &auth::current().client,
        matter.as_ref(),
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// One statement with its lines. A client's first look marks it viewed.
#[server(endpoint = "get_invoice")]
pub async fn get_invoice(id: String) -> Result<InvoiceView, AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{AppState, ServiceError, auth, billing},
    };

    let principal = auth::require_principal()?;
    let id =
        InvoiceId::parse(&id).inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    billing::get_invoice(&state.db, &principal, &auth::current().client, &id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Creates an invoice (staff and admins); returns its number.
#[server(endpoint = "create_invoice")]
pub async fn create_invoice(invoice: NewInvoice) -> Result<String, AppError> {
    use crate::server::{AppState, ServiceError, auth, billing};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    billing::create_invoice(&state.db, &principal, &auth::current().client, &invoice)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Records a payment on an issued invoice (staff and admins).
#[server(endpoint = "record_payment")]
pub async fn record_payment(
    invoice_id: String,
    amount: String,
    date: String,
    method: String,
) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{AppState, ServiceError, auth, billing},
    };

    let principal = auth::require_principal()?;
    let invoice_id = InvoiceId::parse(&invoice_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    billing::record_payment(
        &state.db,
        &principal,
        &auth::current().client,
        &invoice_id,
        &amount,
        &date,
        &method,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Issues a draft invoice (staff and admins).
#[server(endpoint = "issue_invoice")]
pub async fn issue_invoice(invoice_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{AppState, ServiceError, auth, billing},
    };

    let principal = auth::require_principal()?;
    let invoice_id = InvoiceId::parse(&invoice_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    billing::transition(
        &state.db,
        &principal,
        &auth::current().client,
        &invoice_id,
        billing::Transition::Issue,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Voids an issued, unpaid invoice (staff and admins).
#[server(endpoint = "void_invoice")]
pub async fn void_invoice(invoice_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{AppState, ServiceError, auth, billing},
    };

    let principal = auth::require_principal()?;
    let invoice_id = InvoiceId::parse(&invoice_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    billing::transition(
        &state.db,
        &principal,
        &auth::current().client,
        &invoice_id,
        billing::Transition::Void,
    )
    .await
    .map_err(ServiceError::into_app_error)
}
