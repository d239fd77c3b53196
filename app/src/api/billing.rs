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
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let matter = matter_id
            .filter(|m| !m.is_empty())
            .map(|m| MatterId::parse(&m))
            .transpose()?;
        billing::list_invoices(&c.state.db, &c.principal, &c.client, matter.as_ref()).await
    })
    .await
}

/// One statement with its lines. A client's first look marks it viewed.
#[server(endpoint = "get_invoice")]
pub async fn get_invoice(id: String) -> Result<InvoiceView, AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        billing::get_invoice(
            &c.state.db,
            &c.principal,
            &c.client,
            &InvoiceId::parse(&id)?,
        )
        .await
    })
    .await
}

/// Creates an invoice (staff and admins); returns its number.
#[server(endpoint = "create_invoice")]
pub async fn create_invoice(invoice: NewInvoice) -> Result<String, AppError> {
    use crate::server::{billing, endpoint};

    endpoint::signed_in(|c| async move {
        billing::create_invoice(&c.state.db, &c.principal, &c.client, &invoice).await
    })
    .await
}

/// Records a payment on an issued invoice (staff and admins); answers what
/// was recorded ("Payment of £300.00 recorded on INV-2026-0001.").
#[server(endpoint = "record_payment")]
pub async fn record_payment(
    invoice_id: String,
    amount: String,
    date: String,
    method: String,
) -> Result<String, AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let invoice_id = InvoiceId::parse(&invoice_id)?;
        billing::record_payment(
            &c.state.db,
            &c.principal,
            &c.client,
            &invoice_id,
            &amount,
            &date,
            &method,
        )
        .await
    })
    .await
}

/// Issues a draft invoice (staff and admins).
#[server(endpoint = "issue_invoice")]
pub async fn issue_invoice(invoice_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let invoice_id = InvoiceId::parse(&invoice_id)?;
        billing::issue_invoice(&c.state.db, &c.principal, &c.client, &invoice_id).await
    })
    .await
}

/// Voids an issued, unpaid invoice (staff and admins), for a reason.
#[server(endpoint = "void_invoice")]
pub async fn void_invoice(invoice_id: String, reason: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let invoice_id = InvoiceId::parse(&invoice_id)?;
        billing::void_invoice(&c.state.db, &c.principal, &c.client, &invoice_id, &reason).await
    })
    .await
}

/// Records money received into a matter's trust ledger (staff and
/// admins). `currency` is a three-letter code, or empty for the default.
#[server(endpoint = "record_trust_deposit")]
pub async fn record_trust_deposit(
    matter_id: String,
    amount: String,
    #[server(default)] currency: String,
    date: String,
    description: String,
) -> Result<(), AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        let deposit = billing::NewDeposit {
            amount: &amount,
            currency: &currency,
            date: &date,
            description: &description,
        };
        billing::record_trust_deposit(&c.state.db, &c.principal, &c.client, &matter_id, &deposit)
            .await
    })
    .await
}

/// Pays part or all of an issued invoice from its matter's trust money
/// (staff and admins).
#[server(endpoint = "transfer_trust_to_invoice")]
pub async fn transfer_trust_to_invoice(invoice_id: String, amount: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let invoice_id = InvoiceId::parse(&invoice_id)?;
        billing::transfer_trust_to_invoice(
            &c.state.db,
            &c.principal,
            &c.client,
            &invoice_id,
            &amount,
        )
        .await
    })
    .await
}

/// Credits an issued invoice, with a reason (staff and admins).
#[server(endpoint = "add_invoice_credit")]
pub async fn add_invoice_credit(
    invoice_id: String,
    amount: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::{
        domain::ids::InvoiceId,
        server::{billing, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let invoice_id = InvoiceId::parse(&invoice_id)?;
        billing::add_invoice_credit(
            &c.state.db,
            &c.principal,
            &c.client,
            &invoice_id,
            &amount,
            &reason,
        )
        .await
    })
    .await
}
