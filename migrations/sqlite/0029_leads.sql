-- Leads (issue 13, points 1 and 2): enquiries from the public form or
-- typed in by staff, and when and how each was first answered. The
-- details are intake answers, sealed with the firm key.
create table leads (
    id                   text primary key,
    name                 text not null,
    email                text not null,
    phone                text not null,
    organisation         text not null,
    topic                text not null,
    details_sealed       blob not null,
    source               text not null check (source in ('web', 'staff')),
    created_by           text references users (id),
    arrived_at           integer not null,
    first_response_at    integer,
    first_response_kind  text check (first_response_kind in ('call', 'email', 'message')),
    first_response_by    text references users (id),
    -- Business time to the first response, for the dashboards.
    response_business_ms integer
);
create index leads_waiting on leads (first_response_at, arrived_at);
