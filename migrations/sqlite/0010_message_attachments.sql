-- Files attached to a message (issue 5). Attachments are documents of the
-- thread's matter, stored like any other upload (streamed, encrypted); the
-- message pins the version it was sent with, so a later version of the
-- document never changes what an immutable message carried. position is
-- the attachment's number within the message, from 1. shared_on_send is 1
-- when sending made an internal upload of the firm user's client-visible
-- (their composer uploads stay internal until sent); retracting the
-- message makes such a document internal again.
create table message_attachments (
    message_id      text not null references messages (id),
    position        integer not null check (position >= 1),
    version_id      text not null references document_versions (id),
    shared_on_send  integer not null default 0 check (shared_on_send in (0, 1)),
    primary key (message_id, position)
);
