-- Billing statements (DESIGN §2.5; app/src/domain/billing.rs).
-- Money is bigint minor units in the invoice's ISO 4217 currency, never
-- floats. Only the stored part of the status is kept (draft, sent, viewed,
-- void); partially paid, paid and overdue are derived from payments,
-- credits and the due date when read, so they can never go stale.

create table invoices (
    id           text primary key,
    number       text not null,
    matter_id    text not null references matters (id),
    account_id   text not null references accounts (id),
    currency     text not null check (length(currency) = 3),
    status_base  text not null default 'draft' check (status_base in ('draft', 'sent', 'viewed', 'void')),
    -- Days from issue to due, kept so a draft gets its due date when issued.
    terms_days   bigint not null check (terms_days between 0 and 365),
    issued_at    bigint,
    due_at       bigint,
    viewed_at    bigint,
    voided_at    bigint,
    created_by   text references users (id),
    created_at   bigint not null,
    check ((status_base = 'draft') = (issued_at is null))
);
create unique index invoices_number_key on invoices (number);
create index invoices_matter_idx on invoices (matter_id, created_at);

-- Quantity is in hundredths (1.50 hours = 150). amount and tax_amount are
-- computed once, by the rounding rules in domain::billing, and stored, so a
-- printed statement never changes when the code does.
create table invoice_lines (
    id           text primary key,
    invoice_id   text not null references invoices (id),
    position     bigint not null check (position >= 1),
    kind         text not null check (kind in ('time', 'expense')),
    description  text not null,
    quantity     bigint not null check (quantity > 0),
    unit_amount  bigint not null check (unit_amount >= 0),
    amount       bigint not null,
    tax_rate_bp  bigint not null check (tax_rate_bp between 0 and 10000),
    tax_amount   bigint not null,
    unique (invoice_id, position)
);

create table payments (
    id           text primary key,
    invoice_id   text not null references invoices (id),
    amount       bigint not null check (amount > 0),
    received_at  bigint not null,
    method       text not null,
    recorded_by  text references users (id),
    created_at   bigint not null
);
create index payments_invoice_idx on payments (invoice_id);

create table credits (
    id          text primary key,
    invoice_id  text not null references invoices (id),
    amount      bigint not null check (amount > 0),
    reason      text not null,
    created_by  text references users (id),
    created_at  bigint not null
);
create index credits_invoice_idx on credits (invoice_id);

-- The trust (retainer) ledger: deposits are positive, applications to
-- invoices negative, so a balance is a plain sum.
create table trust_transactions (
    id           text primary key,
    account_id   text not null references accounts (id),
    matter_id    text not null references matters (id),
    kind         text not null check (kind in ('deposit', 'application')),
    amount       bigint not null check ((kind = 'deposit' and amount > 0) or (kind = 'application' and amount < 0)),
    currency     text not null check (length(currency) = 3),
    description  text not null,
    invoice_id   text references invoices (id),
    occurred_at  bigint not null,
    recorded_by  text references users (id),
    created_at   bigint not null
);
create index trust_transactions_matter_idx on trust_transactions (matter_id, occurred_at);
