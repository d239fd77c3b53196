-- How clients pay the firm (issue 12, point 5): shown on the client's home
-- beside what they owe. Plain text, set by an admin at /admin/settings.
alter table firm_settings add column payment_instructions text not null default '';
