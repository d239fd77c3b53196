-- Data keys (DESIGN §4): the firm's key and one per matter, each stored
-- wrapped (AES-256-GCM) by a version of the master key, which lives outside
-- the database. The wrapping's associated data binds the row id and scope,
-- so a wrapped key copied to another row does not unwrap there.
-- Conventions shared with the SQLite migrations (same version numbers):
--   ids are UUIDv7 text; times are UTC milliseconds (bigint); bytes are bytea.

create table data_keys (
    id           text primary key,
    scope        text not null check (scope in ('firm', 'matter')),
    matter_id    text references matters (id),
    -- The master key version that wrapped it; re-wrapping after a master
    -- key rotation updates this and wrapped_key together.
    kek_version  bigint not null check (kek_version >= 1),
    -- nonce (12 bytes) || ciphertext+tag
    wrapped_key  bytea not null,
    created_at   bigint not null,
    -- Set when a newer key takes over the scope; the row stays so that
    -- values sealed under it can still be decrypted until re-encrypted.
    retired_at   bigint,
    check ((scope = 'matter') = (matter_id is not null))
);

-- At most one active key per scope, so that concurrent first uses agree on
-- one key. coalesce() because NULLs never collide in a unique index.
create unique index data_keys_active_key
    on data_keys (scope, coalesce(matter_id, ''))
    where retired_at is null;
create index data_keys_matter_idx on data_keys (matter_id);
