-- Sign-in, MFA, sessions and throttling (DESIGN §2.1).

-- TOTP: the seed is encrypted with the firm data key (associated data names
-- users.totp_secret and the user id). mfa_enabled turns true once the user
-- proves a first code.
alter table users add column totp_secret blob;
alter table users add column mfa_enabled integer not null default 0 check (mfa_enabled in (0, 1));
-- The last TOTP time step accepted, so a code cannot be replayed.
alter table users add column totp_last_step integer;
-- A seed being enrolled, sealed like totp_secret, until the user proves a code.
alter table users add column totp_pending blob;

-- One-time recovery codes, stored as SHA-256 hashes (the codes are random,
-- so a fast hash suffices; they are not passwords a person chose).
create table recovery_codes (
    id          text primary key,
    user_id     text not null references users (id),
    code_hash   blob not null,
    used_at     integer,
    created_at  integer not null
);
create index recovery_codes_user_idx on recovery_codes (user_id);

-- A row per signed-in session, keyed by a random handle kept in the session
-- data. It lets a user see and end their sessions on any node: a session
-- whose handle has no row here is treated as signed out.
create table user_sessions (
    handle        text primary key,
    user_id       text not null references users (id),
    created_at    integer not null,
    last_seen_at  integer not null,
    ip            text,
    user_agent    text
);
create index user_sessions_user_idx on user_sessions (user_id);

-- Failed sign-in counters, per account ('account:<email>') and per IP
-- ('ip:<address>'). Kept in the database so every node sees the same count.
create table login_throttle (
    key              text primary key,
    failures         integer not null,
    last_failure_at  integer not null,
    locked_until     integer
);
