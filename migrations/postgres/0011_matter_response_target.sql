-- A matter's own response-time target for client messages, in minutes
-- (issue 5): null means the firm's default (config message_sla_minutes).
-- A thread's own target (message_threads.sla_minutes) still wins over it.
alter table matters add column message_sla_minutes bigint;
