-- The contact's CRM record (issue 11, point 3): who at the firm owns the
-- relationship, where the contact came from (one of the firm's sources,
-- or another contact who referred them), tags, notes, relationships with
-- other contacts, and archiving. A contact with history is archived,
-- never deleted.
-- Notes are encrypted with the firm's data key (associated data:
-- contacts.notes and the contact id).
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
alter table contacts add column owner_id text references users (id);
alter table contacts add column referral_source text;
alter table contacts add column referred_by text references contacts (id);
alter table contacts add column notes_sealed blob;
alter table contacts add column archived_at integer;
alter table contacts add column updated_at integer;
create index contacts_owner_idx on contacts (owner_id);

create table contact_tags (
    contact_id  text not null references contacts (id),
    tag         text not null,
    primary key (contact_id, tag)
);
create index contact_tags_tag_idx on contact_tags (tag);

-- "contact_id is <kind> related_id": Ana is the spouse of Henri, Ben is
-- the assistant to Carla.
create table contact_relationships (
    id          text primary key,
    contact_id  text not null references contacts (id),
    related_id  text not null references contacts (id),
    kind        text not null,
    created_by  text references users (id),
    created_at  integer not null,
    unique (contact_id, related_id, kind),
    check (contact_id <> related_id)
);
create index contact_relationships_related_idx on contact_relationships (related_id);
