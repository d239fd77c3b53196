-- Files attached to a message (issue 5). Attachments are documents of the
-- thread's matter, stored like any other upload (streamed, encrypted); the
-- message pins the version it was sent with, so a later version of the
-- document never changes what an immutable message carried. position is
-- the attachment's number within the message, from 1. A firm user's
-- composer uploads stay internal until the message is sent, and sending
-- shares them (audited as a change of visibility).
create table message_attachments (
    message_id  text not null references messages (id),
    position    integer not null check (position >= 1),
    version_id  text not null references document_versions (id),
    primary key (message_id, position)
);
