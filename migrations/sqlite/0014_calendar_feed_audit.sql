-- Calendar feed fetches are audited once per feed and UTC day (issue 9):
-- the day (days since 1970-01-01 UTC) of the last audited fetch, null
-- before the first. A fetch appends an audit row only when it moves this
-- forward, inside the write, so concurrent fetches cannot add a second.
alter table calendar_tokens add column audited_day integer;
