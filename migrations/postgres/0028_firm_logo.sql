-- The firm's logo (issue 12, point 8): one PNG, shown in every page's
-- header and on statements. Public by nature, so stored as uploaded.
create table firm_logo (
    id          integer primary key check (id = 1),
    image       bytea not null,
    updated_by  text not null references users (id),
    updated_at  bigint not null
);
