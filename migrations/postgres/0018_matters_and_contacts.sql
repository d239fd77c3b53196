-- Opening matters from the firm's own pages (issue 11, point 4). A new
-- matter's stage plan is copied from the template of its practice area;
-- the template with practice_area '' is the firm's default plan. Each stage
-- has a description the client sees beside its name.
-- Conventions shared with the other backend's migrations (same numbers):
--   ids are UUIDv7 text; times are UTC milliseconds.
create table stage_templates (
    id             text primary key,
    practice_area  text not null,
    position       bigint not null check (position >= 1),
    name           text not null,
    description    text not null default '',
    created_at     bigint not null,
    unique (practice_area, position)
);

alter table matter_stages add column description text not null default '';

-- Contacts are created from the firm's pages too (issue 11, point 3), with
-- a postal address.
alter table contacts add column address text;

-- When all of a user's sessions were last ended (disabled, reset, signed
-- out everywhere): a sign-in still half done from before then (password
-- given, MFA owed or being set up) is refused.
alter table users add column sessions_ended_at bigint;

-- The plans a new firm starts with; admins edit them.
insert into stage_templates (id, practice_area, position, name, description, created_at) values
('tpl-default-1', '', 1, 'Instruction', 'We take your instructions and open the file.', 0),
('tpl-default-2', '', 2, 'In progress', 'We are working on your matter.', 0),
('tpl-default-3', '', 3, 'Concluded', 'The work is done and the file is closed.', 0),
('tpl-lit-1', 'Litigation', 1, 'Intake', 'We review the facts and documents of your dispute.', 0),
('tpl-lit-2', 'Litigation', 2, 'Pleadings', 'Each side files its claims and defences with the court.', 0),
('tpl-lit-3', 'Litigation', 3, 'Discovery', 'Both sides exchange documents and evidence.', 0),
('tpl-lit-4', 'Litigation', 4, 'Mediation', 'We try to settle with the other side before trial.', 0),
('tpl-lit-5', 'Litigation', 5, 'Trial', 'The court hears the case and decides.', 0),
('tpl-lit-6', 'Litigation', 6, 'Closed', 'The matter is finished.', 0),
('tpl-cor-1', 'Corporate', 1, 'Instruction', 'We agree the scope of the deal with you.', 0),
('tpl-cor-2', 'Corporate', 2, 'Due diligence', 'We examine the business and its records.', 0),
('tpl-cor-3', 'Corporate', 3, 'Drafting', 'We draft the agreements.', 0),
('tpl-cor-4', 'Corporate', 4, 'Negotiation', 'We negotiate the terms with the other side.', 0),
('tpl-cor-5', 'Corporate', 5, 'Completion', 'The deal is signed and completed.', 0),
('tpl-emp-1', 'Employment', 1, 'Intake', 'We learn what happened and what you need.', 0),
('tpl-emp-2', 'Employment', 2, 'Investigation', 'We gather the facts and documents.', 0),
('tpl-emp-3', 'Employment', 3, 'Advice', 'We advise you on your position and options.', 0),
('tpl-emp-4', 'Employment', 4, 'Settlement', 'We negotiate an outcome.', 0),
('tpl-emp-5', 'Employment', 5, 'Closed', 'The matter is finished.', 0),
('tpl-est-1', 'Estates', 1, 'Instruction', 'We take your wishes and family details.', 0),
('tpl-est-2', 'Estates', 2, 'Asset review', 'We list and value the assets.', 0),
('tpl-est-3', 'Estates', 3, 'Drafting', 'We draft the documents for you to review.', 0),
('tpl-est-4', 'Estates', 4, 'Signing', 'You sign the documents with witnesses.', 0),
('tpl-est-5', 'Estates', 5, 'Filed', 'The documents are filed and stored safely.', 0);
