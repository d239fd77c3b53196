-- The zone a user reads times in (issue 12, point 4), chosen on /account.
-- Null: the firm's zone from its settings.
alter table users add column time_zone text;
