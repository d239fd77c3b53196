-- Firm users join by invitation too (issue 11, point 2). A colleague is no
-- CRM contact, so an invitation's contact becomes optional: set for a
-- client's invitation, empty for a colleague's. SQLite cannot drop a NOT
-- NULL in place, so the table is rebuilt with the same rows and indexes.
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create table invitations_new (
    id          text primary key,
    user_id     text not null references users (id),
    contact_id  text references contacts (id),
    token_hash  blob not null,
    invited_by  text not null references users (id),
    created_at  integer not null,
    expires_at  integer not null,
    used_at     integer
);
insert into invitations_new (id, user_id, contact_id, token_hash, invited_by, created_at, expires_at, used_at)
select id, user_id, contact_id, token_hash, invited_by, created_at, expires_at, used_at from invitations;
drop table invitations;
alter table invitations_new rename to invitations;
create unique index invitations_token_key on invitations (token_hash);
create index invitations_user_idx on invitations (user_id);
