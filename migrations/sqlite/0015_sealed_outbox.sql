-- Outbox bodies hold live one-time links (an invitation works for 7 days,
-- a reset for an hour), so they are no longer kept in plaintext
-- (issue 9, 3a). body_sealed holds the body sealed with the firm's data key
-- (field encryption bound to outbox.body_sealed and the row id), and is
-- dropped once the email is sent or given up.
-- Conventions shared with the PostgreSQL migrations (same version numbers):
--   ids are UUIDv7 text; times are UTC milliseconds (integer); bytes are blob.
alter table outbox add column body_sealed blob;

-- body_text stays only for mail queued before this migration and not yet
-- sent; the server seals it at start and empties the column. SQLite cannot
-- drop a NOT NULL constraint, so the column is moved: sent and given-up
-- mail loses its body here.
alter table outbox add column body_unsealed text;
update outbox set body_unsealed = body_text where sent_at is null and failed_at is null;
alter table outbox drop column body_text;
alter table outbox rename column body_unsealed to body_text;
