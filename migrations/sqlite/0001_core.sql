-- The core of DESIGN §2–§3: people, organisations, matters and their history.
-- Conventions shared with the PostgreSQL migrations (same version numbers):
--   ids are UUIDv7 text; times are UTC milliseconds (integer);
--   flags are integer 0/1; money is integer minor units.

create table accounts (
    id          text primary key,
    name        text not null,
    kind        text not null check (kind in ('organisation', 'household')),
    industry    text,
    created_at  integer not null
);

create table contacts (
    id           text primary key,
    account_id   text references accounts (id),
    given_name   text not null,
    family_name  text not null,
    email        text,
    phone        text,
    job_title    text,
    created_at   integer not null
);
create index contacts_account_idx on contacts (account_id);
create unique index contacts_email_key on contacts (email);

-- Firm users (admin, attorney, staff) and client portal users. A client user
-- is always linked to the contact they are in the CRM; firm users never are.
create table users (
    id             text primary key,
    email          text not null,
    display_name   text not null,
    role           text not null check (role in ('admin', 'attorney', 'staff', 'client')),
    contact_id     text references contacts (id),
    password_hash  text,
    disabled       integer not null default 0 check (disabled in (0, 1)),
    created_at     integer not null,
    check ((role = 'client') = (contact_id is not null))
);
create unique index users_email_key on users (email);
create unique index users_contact_key on users (contact_id);

create table matters (
    id              text primary key,
    number          text not null,
    title           text not null,
    practice_area   text not null,
    account_id      text not null references accounts (id),
    status          text not null default 'open' check (status in ('open', 'closed')),
    current_stage   integer not null default 1,
    opened_at       integer not null,
    closed_at       integer,
    created_at      integer not null
);
create unique index matters_number_key on matters (number);
create index matters_account_idx on matters (account_id);

-- The people on the matter's team. 'responsible' is the attorney who answers
-- for it; there may be several members.
create table matter_team (
    matter_id  text not null references matters (id),
    user_id    text not null references users (id),
    role       text not null check (role in ('responsible', 'member')),
    added_at   integer not null,
    primary key (matter_id, user_id)
);
create index matter_team_user_idx on matter_team (user_id);

-- Which client portal users may see a matter.
create table matter_client_access (
    matter_id   text not null references matters (id),
    user_id     text not null references users (id),
    granted_at  integer not null,
    primary key (matter_id, user_id)
);
create index matter_client_access_user_idx on matter_client_access (user_id);

-- An ethical wall screens a user from a matter, overriding team membership
-- and firm-wide roles (DESIGN §2.2).
create table ethical_walls (
    matter_id   text not null references matters (id),
    user_id     text not null references users (id),
    reason      text not null,
    created_by  text references users (id),
    created_at  integer not null,
    primary key (matter_id, user_id)
);
create index ethical_walls_user_idx on ethical_walls (user_id);

-- Parties to a matter; they feed the conflict check.
create table matter_parties (
    id          text primary key,
    matter_id   text not null references matters (id),
    name        text not null,
    role        text not null check (role in ('client', 'party', 'opposing_party', 'opposing_counsel')),
    created_at  integer not null
);
create index matter_parties_matter_idx on matter_parties (matter_id);

create table matter_stages (
    id          text primary key,
    matter_id   text not null references matters (id),
    position    integer not null check (position >= 1),
    name        text not null,
    created_at  integer not null,
    unique (matter_id, position)
);

create table key_dates (
    id              text primary key,
    matter_id       text not null references matters (id),
    kind            text not null check (kind in ('hearing', 'deadline', 'meeting', 'other')),
    title           text not null,
    starts_at       integer not null,
    ends_at         integer,
    location        text,
    client_visible  integer not null default 1 check (client_visible in (0, 1)),
    created_at      integer not null
);
create index key_dates_matter_idx on key_dates (matter_id, starts_at);

-- The CRM timeline: one row per interaction with a contact.
create table touchpoints (
    id             text primary key,
    contact_id     text not null references contacts (id),
    matter_id      text references matters (id),
    kind           text not null,
    summary        text not null,
    actor_user_id  text references users (id),
    occurred_at    integer not null
);
create index touchpoints_contact_idx on touchpoints (contact_id, occurred_at desc, id desc);

-- Append-only and hash-chained (DESIGN §2.9; app/src/server/audit.rs):
-- row_hash = SHA-256(prev_hash || canonical row), with prev_hash all zeros for
-- the first row. seq gives the chain its order. It is part of the hash, so the
-- writer assigns it (head + 1) instead of leaving it to the database.
create table audit_log (
    seq            integer primary key,
    id             text not null unique,
    occurred_at    integer not null,
    actor_user_id  text,
    action         text not null,
    object_kind    text,
    object_id      text,
    result         text not null check (result in ('success', 'failure', 'denied')),
    ip             text,
    user_agent     text,
    detail         text,
    prev_hash      blob not null,
    row_hash       blob not null
);

-- The newest link of the chain, in one row updated by every append. Without
-- it, deleting the last rows of audit_log would leave a shorter chain that
-- still verifies. seq 0 and a zero hash mean "no rows yet".
create table audit_head (
    id        integer primary key check (id = 1),
    seq       integer not null,
    row_hash  blob not null
);
insert into audit_head (id, seq, row_hash) values (1, 0, zeroblob(32));
