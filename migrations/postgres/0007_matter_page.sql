-- The matter page (issue 4): status notes and calendar feeds.

-- Status notes. Bodies are encrypted with the matter's data key (associated
-- data: matter_notes.body and the note id); client_visible marks the ones
-- the firm chose to share.
create table matter_notes (
    id              text primary key,
    matter_id       text not null references matters (id),
    body_sealed     bytea not null,
    client_visible  bigint not null default 0 check (client_visible in (0, 1)),
    author_id       text references users (id),
    created_at      bigint not null
);
create index matter_notes_matter_idx on matter_notes (matter_id, created_at);

-- One calendar feed per user, behind a secret token of which only the
-- SHA-256 is stored. Asking for a new link replaces the old one.
create table calendar_tokens (
    user_id     text primary key references users (id),
    token_hash  bytea not null,
    created_at  bigint not null
);
create unique index calendar_tokens_hash_key on calendar_tokens (token_hash);
