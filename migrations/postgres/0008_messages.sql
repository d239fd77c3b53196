-- Secure messaging (issue 5): threads on a matter, immutable encrypted
-- messages, retractions as separate events, and read receipts.

-- A conversation on a matter. Who may take part follows the matter's
-- access rules (client portal access, team, ethical walls), so there is no
-- participant list to fall out of step with them.
create table message_threads (
    id               text primary key,
    matter_id        text not null references matters (id),
    subject          text not null,
    created_by       text not null references users (id),
    created_at       bigint not null,
    last_message_at  bigint not null
);
create index message_threads_matter_idx on message_threads (matter_id, last_message_at);

-- Messages are never updated. The body is encrypted with the matter's data
-- key; the associated data is messages.body and "<thread id>/<message id>".
create table messages (
    id           text primary key,
    thread_id    text not null references message_threads (id),
    sender_id    text not null references users (id),
    body_sealed  bytea not null,
    created_at   bigint not null
);
create index messages_thread_idx on messages (thread_id, id);

-- A retraction is an event of its own: the ciphertext stays, the portal
-- stops showing it, and the audit log says who retracted it and when.
create table message_retractions (
    message_id    text primary key references messages (id),
    retracted_by  text not null references users (id),
    retracted_at  bigint not null
);

-- Read receipts: the last message each user has seen in a thread.
create table message_reads (
    thread_id             text not null references message_threads (id),
    user_id               text not null references users (id),
    last_read_message_id  text not null,
    read_at               bigint not null,
    primary key (thread_id, user_id)
);

-- A thread's own response-time target in minutes; null means the firm's
-- default (config message_sla_minutes).
alter table message_threads add column sla_minutes bigint;

-- Follow-up work for the firm; a breached response-time target creates
-- one for the matter's responsible attorney. At most one open task per
-- thread, enforced by the partial unique index.
create table tasks (
    id             text primary key,
    owner_user_id  text not null references users (id),
    matter_id      text not null references matters (id),
    thread_id      text references message_threads (id),
    title          text not null,
    due_at         bigint not null,
    status         text not null check (status in ('open', 'done', 'cancelled')),
    created_at     bigint not null
);
create index tasks_owner_idx on tasks (owner_user_id, status);
create unique index tasks_open_thread_key on tasks (thread_id) where status = 'open';

-- New-message emails: whether a user wants them (no row means yes), and
-- when each user was last told about each thread, for batching.
create table message_email_prefs (
    user_id  text primary key references users (id),
    enabled  bigint not null check (enabled in (0, 1))
);
create table message_notices (
    thread_id     text not null references message_threads (id),
    user_id       text not null references users (id),
    last_sent_at  bigint not null,
    primary key (thread_id, user_id)
);
