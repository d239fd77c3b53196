-- Ethical walls keep their history (issue 11, point 6). ethical_walls holds
-- the walls in force, which every access query reads; wall_history holds
-- every wall ever raised, with who raised and lifted it, when and why, for
-- the point-in-time report ("who was screened from which matter on D").
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create table wall_history (
    id           text primary key,
    matter_id    text not null references matters (id),
    user_id      text not null references users (id),
    reason       text not null,
    created_by   text references users (id),
    created_at   integer not null,
    lifted_by    text references users (id),
    lifted_at    integer,
    lift_reason  text,
    check ((lifted_at is null) = (lift_reason is null))
);
create index wall_history_matter_idx on wall_history (matter_id, created_at);
-- At most one wall in force per user and matter, as in ethical_walls.
create unique index wall_history_open_key on wall_history (matter_id, user_id) where lifted_at is null;

-- The walls already in force start their history here.
insert into wall_history (id, matter_id, user_id, reason, created_by, created_at)
select matter_id || ':' || user_id, matter_id, user_id, reason, created_by, created_at from ethical_walls;
