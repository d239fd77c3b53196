-- Why an invoice was voided (issue 12, point 3): staff must give a reason,
-- which the firm sees on the statement and the audit log keeps.
alter table invoices add column void_reason text;
