-- Firm users join by invitation too (issue 11, point 2). A colleague is no
-- CRM contact, so an invitation's contact becomes optional: set for a
-- client's invitation, empty for a colleague's.
alter table invitations alter column contact_id drop not null;
