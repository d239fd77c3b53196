-- Documents, their versions and document requests (DESIGN §2.4).
-- Conventions shared with the PostgreSQL migrations (same version numbers):
--   ids are UUIDv7 text; times are UTC milliseconds (bigint); bytes are bytea.
--
-- File names are sealed with the matter's data key (DESIGN §4): they often
-- name people and facts ("Smith divorce - bank statements.pdf"). Request
-- titles are written by the firm as checklist items and stay searchable.

-- What the firm asks a client for. status is 'open' or 'fulfilled';
-- "overdue" is computed (open and past due_at), never stored, so it cannot
-- go stale. review_status is null until staff look at the upload, then
-- 'accepted' or 'rejected'; a rejection reopens the request.
create table document_requests (
    id                    text primary key,
    matter_id             text not null references matters (id),
    title                 text not null,
    note                  text not null default '',
    due_at                bigint,
    status                text not null default 'open' check (status in ('open', 'fulfilled')),
    created_by            text not null references users (id),
    created_at            bigint not null,
    fulfilled_by_version  text,
    fulfilled_at          bigint,
    review_status         text check (review_status in ('accepted', 'rejected')),
    reviewed_by           text references users (id),
    reviewed_at           bigint,
    rejection_reason      text
);
create index document_requests_matter_idx on document_requests (matter_id, created_at);

-- A document: what versions hang from. visibility is 'client' (the client
-- sees it on the portal) or 'internal' (firm users only).
create table documents (
    id               text primary key,
    matter_id        text not null references matters (id),
    visibility       text not null check (visibility in ('client', 'internal')),
    current_version  bigint not null,
    request_id       text references document_requests (id),
    created_by       text not null references users (id),
    created_at       bigint not null
);
create index documents_matter_idx on documents (matter_id, created_at);

-- One uploaded file. The blob (blob_key) holds the encrypted chunks; its
-- key is wrapped_key, sealed by the matter's data key. sha256 is of the
-- plaintext and is checked on every full download.
create table document_versions (
    id            text primary key,
    document_id   text not null references documents (id),
    version       bigint not null,
    size          bigint not null,
    sha256        bytea not null,
    wrapped_key   bytea not null,
    blob_key      text not null unique,
    name_sealed   bytea not null,
    content_type  text not null,
    uploaded_by   text not null references users (id),
    uploaded_at   bigint not null,
    unique (document_id, version)
);
