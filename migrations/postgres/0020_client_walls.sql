-- Walls on every matter of a client (issue 11, point 6). A wall raised
-- for "every matter of this client" is kept here as well as on each matter
-- it covers today, so that a matter opened for the client later is walled
-- from the moment it is opened. ethical_walls stays what access queries
-- read; this table only feeds it.
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create table client_walls (
    account_id  text not null references accounts (id),
    user_id     text not null references users (id),
    reason      text not null,
    created_by  text references users (id),
    created_at  bigint not null,
    primary key (account_id, user_id)
);

-- Which of a user's walls on a matter came from a wall on its client:
-- lifting that wall lifts those, and leaves alone any wall raised on one
-- of the client's matters for a reason of its own.
alter table ethical_walls add column client_account_id text references accounts (id);
