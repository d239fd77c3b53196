-- SMTP delivery of the outbox (DESIGN §2.10). A sender claims due mail by
-- moving next_attempt_at ahead; a failed attempt is retried with a growing
-- delay; failed_at marks mail given up (refused for good, too many
-- attempts, or too old to be worth sending), with the reason in last_error.
alter table outbox add column next_attempt_at integer not null default 0;
alter table outbox add column failed_at integer;
create index outbox_due_idx on outbox (next_attempt_at) where sent_at is null and failed_at is null;
