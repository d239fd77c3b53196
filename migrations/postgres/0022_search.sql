-- The firm's search box (issue 11, point 9): contacts, accounts, and
-- matters by number, title or party. search_entries holds one row per
-- searchable thing, kept current by the triggers below whatever writes the
-- source rows; a pg_trgm index on its text lets any three characters of a
-- name or number find it (pg_trgm is a trusted extension: the database's
-- owner may create it). Which matters a user may see is decided at query
-- time, by the same rule as every other list (walls included).
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create extension if not exists pg_trgm;

create table search_entries (
    kind       text not null check (kind in ('contact', 'account', 'matter')),
    object_id  text not null,
    label      text not null,
    body       text not null,
    primary key (kind, object_id)
);
create index search_entries_body_trgm on search_entries using gin (lower(body) gin_trgm_ops);

-- A matter's text is its number, title and every party's name.
create function search_matter_body(matter text) returns text language sql stable as $$
    select m.number || ' ' || m.title
           || coalesce((select ' ' || string_agg(p.name, ' ' order by p.created_at, p.id)
                        from matter_parties p where p.matter_id = m.id), '')
    from matters m where m.id = matter
$$;

create function search_contacts_sync() returns trigger language plpgsql as $$
begin
    insert into search_entries (kind, object_id, label, body)
    values ('contact', new.id, new.given_name || ' ' || new.family_name,
            new.given_name || ' ' || new.family_name || ' ' || coalesce(new.email, ''))
    on conflict (kind, object_id) do update set label = excluded.label, body = excluded.body;
    return null;
end
$$;
create trigger contacts_search after insert or update of given_name, family_name, email
    on contacts for each row execute function search_contacts_sync();

create function search_accounts_sync() returns trigger language plpgsql as $$
begin
    insert into search_entries (kind, object_id, label, body)
    values ('account', new.id, new.name, new.name)
    on conflict (kind, object_id) do update set label = excluded.label, body = excluded.body;
    return null;
end
$$;
create trigger accounts_search after insert or update of name
    on accounts for each row execute function search_accounts_sync();

create function search_matters_sync() returns trigger language plpgsql as $$
begin
    insert into search_entries (kind, object_id, label, body)
    values ('matter', new.id, new.number || ' ' || new.title, search_matter_body(new.id))
    on conflict (kind, object_id) do update set label = excluded.label, body = excluded.body;
    return null;
end
$$;
create trigger matters_search after insert or update of number, title
    on matters for each row execute function search_matters_sync();

create function search_parties_sync() returns trigger language plpgsql as $$
declare
    matter text;
begin
    if tg_op = 'DELETE' then
        matter := old.matter_id;
    else
        matter := new.matter_id;
    end if;
    update search_entries set body = search_matter_body(matter)
    where kind = 'matter' and object_id = matter;
    return null;
end
$$;
create trigger matter_parties_search after insert or update of name or delete
    on matter_parties for each row execute function search_parties_sync();

-- Nothing is deleted today (contacts are archived, matters closed); should
-- a row go, its entry goes with it.
create function search_entries_forget() returns trigger language plpgsql as $$
begin
    delete from search_entries where kind = tg_argv[0] and object_id = old.id;
    return null;
end
$$;
create trigger contacts_search_forget after delete on contacts
    for each row execute function search_entries_forget('contact');
create trigger accounts_search_forget after delete on accounts
    for each row execute function search_entries_forget('account');
create trigger matters_search_forget after delete on matters
    for each row execute function search_entries_forget('matter');

-- What exists already.
insert into search_entries (kind, object_id, label, body)
select 'contact', id, given_name || ' ' || family_name,
       given_name || ' ' || family_name || ' ' || coalesce(email, '')
from contacts;
insert into search_entries (kind, object_id, label, body)
select 'account', id, name, name from accounts;
insert into search_entries (kind, object_id, label, body)
select 'matter', m.id, m.number || ' ' || m.title, search_matter_body(m.id) from matters m;
