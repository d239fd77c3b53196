//! Billing statements at `/billing` (every statement and trust balance the
//! user may see; for staff, a form to create an invoice and actions on each)
//! and one statement at `/billing/{id}`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        billing::{CreateInvoice, RecordTrustDeposit, get_invoice, list_invoices},
        matters::list_matters,
    },
    domain::{
        AppError,
        billing::{InvoiceView, LineKind, format_quantity, format_rate},
        matter::MatterSummaryView,
    },
    ui::{
        components::{
            billing::{
                BillingActions, InvoiceDates, InvoiceList, PaidBar, TrustBalances, VoidNote,
                pdf_href,
            },
            forms::{DoneNote, SubmitButton, reset_on_success},
            time::{page_clock, use_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// How many line rows the new-invoice form offers; blank rows are skipped.
const FORM_LINES: usize = 3;

/// The billing page.
#[component]
pub fn BillingPage() -> impl IntoView {
    let create = ServerAction::<CreateInvoice>::new();
    let actions = BillingActions::new();
    let deposit = ServerAction::<RecordTrustDeposit>::new();
    let billing = Resource::new(
        move || {
            (
                create.version().get(),
                actions.version(),
                deposit.version().get(),
            )
        },
        |_| list_invoices(None),
    );
    // The matters the new-invoice form offers, for those who may bill. Made
    // here and read in the one Suspense below rather than in a Suspense of
    // the form's own: see `MatterDocuments` for why.
    let matters = Resource::new(
        || (),
        move |()| async move {
            match billing.await {
                Ok(view) if view.may_manage => list_matters().await.unwrap_or_default(),
                _ => Vec::new(),
            }
        },
    );
    let clock = page_clock();
    view! {
        <Title text="Billing" />
        <section class="page-head">
            <h1>"Billing"</h1>
        </section>
        {move || actions.error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <DoneNote note=actions.done />
        <Suspense fallback=|| view! { <p class="muted">"Loading statements…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match billing.await {
                    Ok(view) => {
                        let manage = view.may_manage.then_some(actions);
                        let matters = matters.await;
                        view! {
                            <section class="panel" aria-labelledby="trust-heading">
                                <h2 id="trust-heading">"Trust balance"</h2>
                                <TrustBalances trust=view.trust />
                            </section>
                            <section class="panel" aria-labelledby="statements-heading">
                                <h2 id="statements-heading">"Statements"</h2>
                                <InvoiceList invoices=view.invoices actions=manage />
                            </section>
                            {view.may_manage.then(|| view! { <DepositForm deposit matters=matters.clone() /> })}
                            {view.may_manage.then(|| view! { <NewInvoiceForm create matters /> })}
                        }
                        .into_any()
                    }
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Staff record money received into a matter's trust ledger.
#[component]
fn DepositForm(
    deposit: ServerAction<RecordTrustDeposit>,
    matters: Vec<MatterSummaryView>,
) -> impl IntoView {
    let outcome = move || match deposit.value().get() {
        Some(Ok(())) => {
            Some(view! { <p class="notice" role="status">"Trust deposit recorded."</p> }.into_any())
        }
        Some(Err(err)) => {
            Some(view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any())
        }
        None => None,
    };
    let clock = use_clock();
    let today = clock.input_date(clock.now);
    view! {
        <section class="panel" aria-labelledby="deposit-heading">
            // Outside the details, which close when the list reloads.
            {outcome}
            <details class="editor">
                <summary id="deposit-heading">"Record a trust deposit"</summary>
                <ActionForm action=deposit node_ref=reset_on_success(deposit) attr:class="form" attr:method="post">
                    <label for="deposit-matter">"Matter"</label>
                    <select id="deposit-matter" name="matter_id" required>
                        {matters
                            .into_iter()
                            .map(|m| view! {
                                <option value=m.id.to_string()>{format!("{} {}", m.number, m.title)}</option>
                            })
                            .collect_view()}
                    </select>
                    <label for="deposit-amount">"Amount"</label>
                    <input id="deposit-amount" type="text" name="amount" inputmode="decimal" required maxlength="20" />
                    <label for="deposit-date">"Date received"</label>
                    <input id="deposit-date" type="date" name="date" required value=today />
                    <label for="deposit-description">"Description"</label>
                    <input id="deposit-description" type="text" name="description" required maxlength="200" placeholder="Retainer" />
                    <SubmitButton action=deposit label="Record deposit" pending="Recording…" />
                </ActionForm>
            </details>
        </section>
    }
}

/// The staff's form for a new invoice: a matter, currency, terms and a few
/// lines.
#[component]
fn NewInvoiceForm(
    create: ServerAction<CreateInvoice>,
    matters: Vec<MatterSummaryView>,
) -> impl IntoView {
    let outcome = move || match create.value().get() {
        Some(Ok(number)) => Some(
            view! { <p class="notice" role="status">{format!("Invoice {number} created.")}</p> }
                .into_any(),
        ),
        Some(Err(err)) => {
            Some(view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any())
        }
        None => None,
    };
    view! {
        <section class="panel" aria-labelledby="new-invoice-heading">
            <h2 id="new-invoice-heading">"New invoice"</h2>
            {outcome}
            <ActionForm action=create node_ref=reset_on_success(create) attr:class="form" attr:method="post">
                <label for="invoice-matter">"Matter"</label>
                <select id="invoice-matter" name="invoice[matter_id]" required>
                    {matters
                        .into_iter()
                        .map(|m| view! {
                            <option value=m.id.to_string()>{format!("{} {}", m.number, m.title)}</option>
                        })
                        .collect_view()}
                </select>
                <label for="invoice-currency">"Currency"</label>
                <input id="invoice-currency" type="text" name="invoice[currency]" value="GBP" maxlength="3" />
                <label for="invoice-terms">"Days until due"</label>
                <input id="invoice-terms" type="text" name="invoice[due_in_days]" value="30" inputmode="numeric" maxlength="3" />
                <fieldset class="invoice-lines">
                    <legend>"Lines"</legend>
                    {(0..FORM_LINES).map(|i| view! { <LineFields i /> }).collect_view()}
                </fieldset>
                <label class="check">
                    <input type="checkbox" name="invoice[issue]" value="true" />
                    "Issue now (otherwise it is saved as a draft)"
                </label>
                <SubmitButton action=create label="Create invoice" pending="Creating…" class="button primary" />
            </ActionForm>
        </section>
    }
}

/// One line row of the new-invoice form.
#[component]
fn LineFields(i: usize) -> impl IntoView {
    let name = move |field: &str| format!("invoice[lines][{i}][{field}]");
    let id = move |field: &str| format!("line-{i}-{field}");
    let n = i + 1;
    view! {
        <div class="form compact line-row">
            <label for=id("kind")>{format!("Line {n} kind")}</label>
            <select id=id("kind") name=name("kind")>
                <option value="time">"Time"</option>
                <option value="expense">"Expense"</option>
            </select>
            <label for=id("description")>{format!("Line {n} description")}</label>
            <input id=id("description") type="text" name=name("description") maxlength="300" />
            <label for=id("quantity")>"Quantity"</label>
            <input id=id("quantity") type="text" name=name("quantity") inputmode="decimal" maxlength="12" />
            <label for=id("unit_amount")>"Unit price"</label>
            <input id=id("unit_amount") type="text" name=name("unit_amount") inputmode="decimal" maxlength="20" />
            <label for=id("tax_rate")>"Tax %"</label>
            <input id=id("tax_rate") type="text" name=name("tax_rate") inputmode="decimal" maxlength="6" value="20" />
        </div>
    }
}

/// One statement at `/billing/{id}`.
#[component]
pub fn StatementPage() -> impl IntoView {
    let params = use_params_map();
    let invoice = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_invoice,
    );
    let clock = page_clock();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the statement…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match invoice.await {
                    Ok(invoice) => view! { <Statement invoice /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Statement(invoice: InvoiceView) -> impl IntoView {
    let t = invoice.totals;
    let money = |minor| invoice.money(minor).to_string();
    let sums = [
        ("Subtotal", money(t.subtotal)),
        ("Tax", money(t.tax)),
        ("Total", money(t.total)),
        ("Payments received", money(t.paid)),
        ("Credits", money(t.credited)),
        ("Balance due", money(t.balance)),
    ];
    // The visible text starts the accessible name, as speech input needs.
    let pdf_of = format!(" of {}", invoice.number);
    view! {
        <Title text=format!("Statement {}", invoice.number) />
        <section class="page-head">
            <h1>{format!("Statement {}", invoice.number)}</h1>
            <p class="muted">
                <span class="matter-number">{invoice.matter_number.clone()}</span>
                " "
                {invoice.matter_title.clone()}
            </p>
            <p>
                <span class=format!("tag status-{}", invoice.status.css())>{invoice.status.label()}</span>
                " "
                <InvoiceDates invoice=invoice.clone() />
            </p>
        </section>
        <section class="panel">
            <VoidNote invoice=invoice.clone() />
            <table class="invoice-lines-table">
                <caption class="visually-hidden">"Lines"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Description"</th>
                        <th scope="col" class="num">"Qty"</th>
                        <th scope="col" class="num">"Rate"</th>
                        <th scope="col" class="num">"Tax"</th>
                        <th scope="col" class="num">"Amount"</th>
                    </tr>
                </thead>
                <tbody>
                    {invoice
                        .lines
                        .iter()
                        .map(|line| {
                            let kind = match line.kind {
                                LineKind::Time => "Time",
                                LineKind::Expense => "Expense",
                            };
                            view! {
                                <tr>
                                    <td data-label="Description">{format!("{kind}: {}", line.description)}</td>
                                    <td class="num" data-label="Qty">{format_quantity(line.quantity)}</td>
                                    <td class="num" data-label="Rate">{line.unit_amount.to_string()}</td>
                                    <td class="num" data-label="Tax">{format_rate(line.tax_rate_bp)}</td>
                                    <td class="num" data-label="Amount">{line.amount.to_string()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <dl class="invoice-sums">
                {sums
                    .into_iter()
                    .map(|(label, value)| view! {
                        <div>
                            <dt>{label}</dt>
                            <dd>{value}</dd>
                        </div>
                    })
                    .collect_view()}
            </dl>
            <PaidBar invoice=invoice.clone() />
            <p class="links">
                <a href=pdf_href(&invoice.id) download>"Download PDF"<span class="visually-hidden">{pdf_of}</span></a>
                " · "
                <a href="/billing">"All statements"</a>
            </p>
        </section>
    }
}
