-- The firm's search box (issue 11, point 9): contacts, accounts, and
-- matters by number, title or party. search_entries holds one row per
-- searchable thing, kept current by the triggers below whatever writes the
-- source rows; search_fts indexes its text with FTS5's trigram tokenizer,
-- so any three characters of a name or number find it. Which matters a
-- user may see is decided at query time, by the same rule as every other
-- list (walls included).
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create table search_entries (
    id         integer primary key,
    kind       text not null check (kind in ('contact', 'account', 'matter')),
    object_id  text not null,
    label      text not null,
    body       text not null,
    unique (kind, object_id)
);

create virtual table search_fts using fts5(
    body,
    content = 'search_entries',
    content_rowid = 'id',
    tokenize = 'trigram'
);

create trigger search_entries_ai after insert on search_entries begin
    insert into search_fts (rowid, body) values (new.id, new.body);
end;
create trigger search_entries_ad after delete on search_entries begin
    insert into search_fts (search_fts, rowid, body) values ('delete', old.id, old.body);
end;
create trigger search_entries_au after update on search_entries begin
    insert into search_fts (search_fts, rowid, body) values ('delete', old.id, old.body);
    insert into search_fts (rowid, body) values (new.id, new.body);
end;

create trigger contacts_search_ai after insert on contacts begin
    insert into search_entries (kind, object_id, label, body)
    values ('contact', new.id, new.given_name || ' ' || new.family_name,
            new.given_name || ' ' || new.family_name || ' ' || coalesce(new.email, ''));
end;
create trigger contacts_search_au after update of given_name, family_name, email on contacts begin
    update search_entries
    set label = new.given_name || ' ' || new.family_name,
        body = new.given_name || ' ' || new.family_name || ' ' || coalesce(new.email, '')
    where kind = 'contact' and object_id = new.id;
end;

create trigger accounts_search_ai after insert on accounts begin
    insert into search_entries (kind, object_id, label, body)
    values ('account', new.id, new.name, new.name);
end;
create trigger accounts_search_au after update of name on accounts begin
    update search_entries set label = new.name, body = new.name
    where kind = 'account' and object_id = new.id;
end;

-- A matter's text is its number, title and every party's name.
create trigger matters_search_ai after insert on matters begin
    insert into search_entries (kind, object_id, label, body)
    values ('matter', new.id, new.number || ' ' || new.title, new.number || ' ' || new.title);
end;
create trigger matters_search_au after update of number, title on matters begin
    update search_entries
    set label = new.number || ' ' || new.title,
        body = new.number || ' ' || new.title
               || coalesce((select ' ' || group_concat(p.name, ' ')
                            from matter_parties p where p.matter_id = new.id), '')
    where kind = 'matter' and object_id = new.id;
end;
create trigger matter_parties_search_ai after insert on matter_parties begin
    update search_entries
    set body = label || coalesce((select ' ' || group_concat(p.name, ' ')
                                  from matter_parties p where p.matter_id = new.matter_id), '')
    where kind = 'matter' and object_id = new.matter_id;
end;
create trigger matter_parties_search_au after update of name on matter_parties begin
    update search_entries
    set body = label || coalesce((select ' ' || group_concat(p.name, ' ')
                                  from matter_parties p where p.matter_id = new.matter_id), '')
    where kind = 'matter' and object_id = new.matter_id;
end;
create trigger matter_parties_search_ad after delete on matter_parties begin
    update search_entries
    set body = label || coalesce((select ' ' || group_concat(p.name, ' ')
                                  from matter_parties p where p.matter_id = old.matter_id), '')
    where kind = 'matter' and object_id = old.matter_id;
end;

-- Nothing is deleted today (contacts are archived, matters closed); should
-- a row go, its entry goes with it.
create trigger contacts_search_ad after delete on contacts begin
    delete from search_entries where kind = 'contact' and object_id = old.id;
end;
create trigger accounts_search_ad after delete on accounts begin
    delete from search_entries where kind = 'account' and object_id = old.id;
end;
create trigger matters_search_ad after delete on matters begin
    delete from search_entries where kind = 'matter' and object_id = old.id;
end;

-- What exists already.
insert into search_entries (kind, object_id, label, body)
select 'contact', id, given_name || ' ' || family_name,
       given_name || ' ' || family_name || ' ' || coalesce(email, '')
from contacts;
insert into search_entries (kind, object_id, label, body)
select 'account', id, name, name from accounts;
insert into search_entries (kind, object_id, label, body)
select 'matter', m.id, m.number || ' ' || m.title,
       m.number || ' ' || m.title
       || coalesce((select ' ' || group_concat(p.name, ' ')
                    from matter_parties p where p.matter_id = m.id), '')
from matters m;
