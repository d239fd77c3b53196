-- SMTP delivery of the outbox (DESIGN §2.10). A failed attempt is retried
-- with a growing delay; the sender takes unsent mail whose time has come.
alter table outbox add column next_attempt_at integer not null default 0;
create index outbox_due_idx on outbox (next_attempt_at) where sent_at is null;
