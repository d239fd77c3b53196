-- Outbox bodies hold live one-time links (an invitation works for 7 days,
-- a reset for an hour), so they are no longer kept in plaintext
-- (issue 9, 3a). body_sealed holds the body sealed with the firm's data key
-- (field encryption bound to outbox.body_sealed and the row id), and is
-- dropped once the email is sent or given up.
-- Conventions shared with the SQLite migrations (same version numbers):
--   ids are UUIDv7 text; times are UTC milliseconds (bigint); bytes are bytea.
alter table outbox add column body_sealed bytea;

-- body_text stays only for mail queued before this migration and not yet
-- sent; the server seals it at start and empties the column. Sent and
-- given-up mail loses its body here.
alter table outbox alter column body_text drop not null;
update outbox set body_text = null where sent_at is not null or failed_at is not null;
