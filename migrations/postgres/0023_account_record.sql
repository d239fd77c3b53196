-- The account's CRM record (issue 11, point 3), as the contact's in 0021:
-- an owner at the firm, where the account came from, tags, notes sealed
-- with the firm's data key (associated data: accounts.notes and the
-- account id), and archiving, since an account with history is never
-- deleted.
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
alter table accounts add column owner_id text references users (id);
alter table accounts add column referral_source text;
alter table accounts add column notes_sealed bytea;
alter table accounts add column archived_at bigint;
alter table accounts add column updated_at bigint;
create index accounts_owner_idx on accounts (owner_id);

create table account_tags (
    account_id  text not null references accounts (id),
    tag         text not null,
    primary key (account_id, tag)
);
create index account_tags_tag_idx on account_tags (tag);

-- A contact belongs to one account (contacts.account_id, with their role
-- there in job_title); these are their further links, each with a role:
-- a director of another company, the accountant of a household.
create table contact_account_links (
    contact_id  text not null references contacts (id),
    account_id  text not null references accounts (id),
    role        text not null,
    created_by  text references users (id),
    created_at  bigint not null,
    primary key (contact_id, account_id)
);
create index contact_account_links_account_idx on contact_account_links (account_id);
