-- Invitations, password resets and the email outbox (DESIGN §2.1, §2.10).
-- Conventions shared with the PostgreSQL migrations (same version numbers):
--   ids are UUIDv7 text; times are UTC milliseconds (integer); bytes are blob.

-- Every email leaves through here. Without SMTP configured (the embedded
-- default) it stays here, and an admin reads it on /admin/outbox. Bodies
-- may hold one-time links, never passwords or message bodies.
-- kind: 'invitation', 'password_reset', and later notices and campaigns.
create table outbox (
    id          text primary key,
    to_address  text not null,
    subject     text not null,
    body_text   text not null,
    kind        text not null,
    created_at  integer not null,
    sent_at     integer,
    attempts    integer not null default 0,
    last_error  text
);
create index outbox_created_idx on outbox (created_at desc, id desc);
-- What a sender will poll: unsent mail, oldest first.
create index outbox_unsent_idx on outbox (created_at) where sent_at is null;

-- One-time links. Only SHA-256 of the token is stored: the token is 32
-- random bytes, so a fast hash suffices, and a copy of the database gives
-- nobody a working link. used_at makes each link single use.
create table invitations (
    id          text primary key,
    user_id     text not null references users (id),
    contact_id  text not null references contacts (id),
    token_hash  blob not null,
    invited_by  text not null references users (id),
    created_at  integer not null,
    expires_at  integer not null,
    used_at     integer
);
create unique index invitations_token_key on invitations (token_hash);
create index invitations_user_idx on invitations (user_id);

create table password_resets (
    id          text primary key,
    user_id     text not null references users (id),
    token_hash  blob not null,
    created_at  integer not null,
    expires_at  integer not null,
    used_at     integer
);
create unique index password_resets_token_key on password_resets (token_hash);
-- Also serves the per-account throttle (resets created in the last hour).
create index password_resets_user_idx on password_resets (user_id, created_at);
