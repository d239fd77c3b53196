//! Billing pieces shared by the billing page and the matter page: statement
//! cards with a paid-vs-outstanding bar, trust balances, and the
//! [`StatementsPanel`] for one matter.
//!
//! The bar is inline SVG sized with attributes, not `style=`: the CSP has no
//! `'unsafe-inline'` for styles.

use leptos::prelude::*;

use crate::{
    api::billing::{
        AddInvoiceCredit, IssueInvoice, RecordPayment, TransferTrustToInvoice, VoidInvoice,
        list_invoices,
    },
    domain::{
        AppError,
        billing::{BillingView, InvoiceStatus, InvoiceView, TrustBalanceView},
        matter::MatterDetailView,
    },
    ui::components::{
        action_error,
        forms::{SubmitButton, announce, reset_on_success},
        time::{Due, When, use_clock},
    },
};

/// The staff's actions on a statement, when the user may manage billing.
#[derive(Clone, Copy)]
pub struct BillingActions {
    /// Record a payment.
    pub pay: ServerAction<RecordPayment>,
    /// Issue a draft.
    pub issue: ServerAction<IssueInvoice>,
    /// Void an unpaid invoice.
    pub void: ServerAction<VoidInvoice>,
    /// Pay from the matter's trust money.
    pub trust: ServerAction<TransferTrustToInvoice>,
    /// Credit part of the balance.
    pub credit: ServerAction<AddInvoiceCredit>,
    /// What the latest of them did, once it worked.
    pub done: RwSignal<Option<String>>,
}

impl BillingActions {
    /// New actions for one page.
    pub fn new() -> Self {
        let actions = Self {
            pay: ServerAction::new(),
            issue: ServerAction::new(),
            void: ServerAction::new(),
            trust: ServerAction::new(),
            credit: ServerAction::new(),
            done: RwSignal::new(None),
        };
        announce(actions.pay, actions.done, String::clone);
        announce(actions.issue, actions.done, |()| {
            "Invoice issued.".to_owned()
        });
        announce(actions.void, actions.done, |()| {
            "Invoice voided.".to_owned()
        });
        announce(actions.trust, actions.done, |()| {
            "Paid from trust.".to_owned()
        });
        announce(actions.credit, actions.done, |()| {
            "Credit added.".to_owned()
        });
        actions
    }

    /// Changes whenever one of the actions finished, to reload lists.
    pub fn version(&self) -> usize {
        self.pay.version().get()
            + self.issue.version().get()
            + self.void.version().get()
            + self.trust.version().get()
            + self.credit.version().get()
    }

    /// The latest error of any action, to show above the list.
    pub fn error(&self) -> Option<String> {
        action_error(self.pay)()
            .or_else(action_error(self.issue))
            .or_else(action_error(self.void))
            .or_else(action_error(self.trust))
            .or_else(action_error(self.credit))
    }
}

impl Default for BillingActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The link to a statement's PDF.
pub fn pdf_href(invoice_id: &str) -> String {
    crate::domain::links::invoice_pdf(invoice_id)
}

/// A bar of the paid-and-credited share against what is outstanding.
#[component]
pub fn PaidBar(invoice: InvoiceView) -> impl IntoView {
    let settled = invoice.settled_per_mille().to_string();
    let label = format!(
        "{} paid or credited of {}; {} outstanding",
        invoice.money(invoice.totals.settled()),
        invoice.money(invoice.totals.total),
        invoice.money(invoice.totals.balance.max(0)),
    );
    let title = label.clone();
    view! {
        <svg
            class="paid-bar"
            viewBox="0 0 1000 14"
            preserveAspectRatio="none"
            width="100%"
            height="14"
            role="img"
            aria-label=label
        >
            <title>{title}</title>
            <rect class="bar-outstanding" x="0" y="0" width="1000" height="14" rx="4" />
            <rect class="bar-paid" x="0" y="0" width=settled height="14" rx="4" />
        </svg>
    }
}

/// What a void statement says instead of a balance: nothing is owed;
/// for the firm, why it was voided.
#[component]
pub fn VoidNote(invoice: InvoiceView) -> impl IntoView {
    (invoice.status == InvoiceStatus::Void).then(|| {
        view! {
            <p class="void-note" role="note">
                <strong>"Cancelled — nothing to pay."</strong>
                {invoice.void_reason.map(|reason| format!(" Reason: {reason}"))}
            </p>
        }
    })
}

/// When a statement was issued and is due, in the viewer's zone; while
/// there is something to pay, how far off that is ("due in 10 days"),
/// standing out once overdue.
#[component]
pub fn InvoiceDates(invoice: InvoiceView) -> impl IntoView {
    let (Some(issued), Some(due)) = (invoice.issued_at, invoice.due_at) else {
        return view! { <span class="muted">"Not issued yet"</span> }.into_any();
    };
    let due_view = if invoice.status.is_payable() {
        view! { <Due at=due /> }.into_any()
    } else {
        view! { <span class="muted">"due " <When at=due day_only=true /></span> }.into_any()
    };
    view! {
        <span class="muted">"Issued " <When at=issued day_only=true /> " · "</span>
        {due_view}
    }
    .into_any()
}

/// One statement: number, matter, dates, status, totals, the bar, the PDF
/// link and, for staff, the actions that apply.
#[component]
pub fn InvoiceCard(invoice: InvoiceView, actions: Option<BillingActions>) -> impl IntoView {
    let status = invoice.status;
    let tag = format!("tag status-{}", status.css());
    let href = format!("/billing/{}", invoice.id);
    let pdf = pdf_href(&invoice.id);
    // The visible text starts the accessible name, as speech input needs.
    let pdf_of = format!(" of {}", invoice.number);
    let dates = view! { <InvoiceDates invoice=invoice.clone() /> };
    let total = invoice.money(invoice.totals.total).to_string();
    let balance = invoice.money(invoice.totals.balance).to_string();
    let id = invoice.id.clone();
    let staff = actions.map(|actions| {
        let payable = status.is_payable();
        let voidable = payable && invoice.totals.settled() == 0;
        let draft = status == InvoiceStatus::Draft;
        view! { <StaffActions id=id.clone() actions payable voidable draft /> }
    });
    view! {
        <li class="invoice-card" data-testid="invoice">
            <div class="invoice-head">
                <a class="invoice-number" href=href>{invoice.number.clone()}</a>
                <span class=tag>{status.label()}</span>
            </div>
            <p class="muted">
                <span class="matter-number">{invoice.matter_number.clone()}</span>
                " "
                {invoice.matter_title.clone()}
            </p>
            <p>{dates}</p>
            <VoidNote invoice=invoice.clone() />
            <dl class="invoice-sums">
                <div>
                    <dt>"Total"</dt>
                    <dd>{total}</dd>
                </div>
                <div>
                    <dt>"Balance due"</dt>
                    <dd data-testid="balance">{balance}</dd>
                </div>
            </dl>
            <PaidBar invoice=invoice.clone() />
            <p class="links">
                <a href=pdf download>
                    "Download PDF"
                    <span class="visually-hidden">{pdf_of}</span>
                </a>
            </p>
            {staff}
        </li>
    }
}

/// Issue, void and record-payment forms for one invoice. Each form is
/// disabled while it posts, is cleared once it worked and says what
/// happened; voiding asks for a reason in a second step.
#[component]
fn StaffActions(
    id: String,
    actions: BillingActions,
    payable: bool,
    voidable: bool,
    draft: bool,
) -> impl IntoView {
    let amount_id = format!("pay-amount-{id}");
    let date_id = format!("pay-date-{id}");
    let method_id = format!("pay-method-{id}");
    let trust_id = format!("trust-amount-{id}");
    let credit_id = format!("credit-amount-{id}");
    let reason_id = format!("credit-reason-{id}");
    let void_reason_id = format!("void-reason-{id}");
    let (issue_id, pay_id, void_id) = (id.clone(), id.clone(), id.clone());
    let (from_trust_id, credited_id) = (id.clone(), id);
    let (pay_form, trust_form, credit_form) = (
        reset_on_success(actions.pay),
        reset_on_success(actions.trust),
        reset_on_success(actions.credit),
    );
    let clock = use_clock();
    let today = clock.input_date(clock.now);
    view! {
        {draft.then(|| view! {
            <ActionForm action=actions.issue attr:class="inline-form" attr:method="post">
                <input type="hidden" name="invoice_id" value=issue_id />
                <SubmitButton action=actions.issue label="Issue invoice" pending="Issuing…" />
            </ActionForm>
        })}
        {payable.then(|| view! {
            <details class="editor">
                <summary>"Record a payment"</summary>
                <ActionForm action=actions.pay node_ref=pay_form attr:class="form compact" attr:method="post">
                    <input type="hidden" name="invoice_id" value=pay_id />
                    <label for=amount_id.clone()>"Amount"</label>
                    <input id=amount_id type="text" name="amount" inputmode="decimal" required maxlength="20" />
                    <label for=date_id.clone()>"Date"</label>
                    <input id=date_id type="date" name="date" required value=today.clone() />
                    <label for=method_id.clone()>"Method"</label>
                    <input id=method_id type="text" name="method" maxlength="100" placeholder="Bank transfer" />
                    <SubmitButton action=actions.pay label="Record payment" pending="Recording…" />
                </ActionForm>
            </details>
            <details class="editor">
                <summary>"Pay from trust"</summary>
                <ActionForm action=actions.trust node_ref=trust_form attr:class="form compact" attr:method="post">
                    <input type="hidden" name="invoice_id" value=from_trust_id />
                    <label for=trust_id.clone()>"Amount from trust"</label>
                    <input id=trust_id type="text" name="amount" inputmode="decimal" required maxlength="20" />
                    <SubmitButton action=actions.trust label="Transfer from trust" pending="Transferring…" />
                </ActionForm>
            </details>
            <details class="editor">
                <summary>"Add a credit"</summary>
                <ActionForm action=actions.credit node_ref=credit_form attr:class="form compact" attr:method="post">
                    <input type="hidden" name="invoice_id" value=credited_id />
                    <label for=credit_id.clone()>"Credit amount"</label>
                    <input id=credit_id type="text" name="amount" inputmode="decimal" required maxlength="20" />
                    <label for=reason_id.clone()>"Reason"</label>
                    <input id=reason_id type="text" name="reason" required maxlength="200" />
                    <SubmitButton action=actions.credit label="Add credit" pending="Adding…" />
                </ActionForm>
            </details>
        })}
        {voidable.then(|| view! {
            // Voiding cannot be undone: it takes a second step and a reason.
            <details class="editor danger-zone">
                <summary>"Void invoice…"</summary>
                <ActionForm action=actions.void attr:class="form compact" attr:method="post">
                    <input type="hidden" name="invoice_id" value=void_id />
                    <p class="muted">"Voiding cancels the invoice for good; the client is shown it as cancelled."</p>
                    <label for=void_reason_id.clone()>"Reason for voiding"</label>
                    <input id=void_reason_id type="text" name="reason" required maxlength="200" />
                    <SubmitButton action=actions.void label="Void this invoice" pending="Voiding…" class="button danger" />
                </ActionForm>
            </details>
        })}
    }
}

/// A list of statements, or a note that there are none.
#[component]
pub fn InvoiceList(invoices: Vec<InvoiceView>, actions: Option<BillingActions>) -> impl IntoView {
    if invoices.is_empty() {
        return view! { <p class="muted">"No statements yet."</p> }.into_any();
    }
    view! {
        <ul class="invoice-list">
            {invoices
                .into_iter()
                .map(|invoice| view! { <InvoiceCard invoice actions /> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Trust (retainer) balances per matter.
#[component]
pub fn TrustBalances(trust: Vec<TrustBalanceView>) -> impl IntoView {
    if trust.is_empty() {
        return view! { <p class="muted">"No funds held in trust."</p> }.into_any();
    }
    view! {
        <ul class="trust-list">
            {trust
                .into_iter()
                .map(|t| view! {
                    <li class="trust-row" data-testid="trust-balance">
                        <span>
                            <span class="matter-number">{t.matter_number}</span>
                            " "
                            {t.matter_title}
                        </span>
                        <strong>{t.balance.to_string()}</strong>
                    </li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The statements of the matter whose id `matter_id` gives, for
/// [`StatementsPanel`]. Made at the top of the matter page and read in its
/// one `Suspense`, for the reason given on
/// [`MatterDocuments`](crate::ui::components::documents::MatterDocuments);
/// nothing is asked for until `matter` loaded.
pub fn matter_statements(
    matter_id: Signal<String>,
    matter: Resource<Result<MatterDetailView, AppError>>,
) -> Resource<Result<BillingView, AppError>> {
    Resource::new(
        move || matter_id.get(),
        move |id| async move {
            matter.await?;
            list_invoices(Some(id)).await
        },
    )
}

/// The statements and trust balance of one matter, for the matter page.
#[component]
pub fn StatementsPanel(billing: Result<BillingView, AppError>) -> impl IntoView {
    let body = match billing {
        Ok(view) => view! {
            <h3>"Trust balance"</h3>
            <TrustBalances trust=view.trust />
            <InvoiceList invoices=view.invoices actions=None />
        }
        .into_any(),
        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="statements-heading">
            <h2 id="statements-heading">"Statements"</h2>
            {body}
        </section>
    }
}
