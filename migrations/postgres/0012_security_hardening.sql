-- Recovery codes are stored as HMAC-SHA-256 under a key derived from the
-- firm data key (issue 9). Rows written before hold a plain SHA-256 and are
-- re-hashed in place at start-up; `keyed` says which form a row holds.
alter table recovery_codes add column keyed bigint not null default 0;
