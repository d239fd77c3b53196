-- The firm's own settings (issue 11, point 1), edited by admins at
-- /admin/settings. One row; until an admin saves, the configuration's
-- values stand in as the defaults for a new firm.
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create table firm_settings (
    id                integer primary key check (id = 1),
    firm_name         text not null,
    currency          text not null,
    number_pattern    text not null,
    response_minutes  integer not null check (response_minutes > 0),
    hours_start       text not null,
    hours_end         text not null,
    time_zone         text not null,
    updated_by        text references users (id),
    updated_at        integer not null
);
