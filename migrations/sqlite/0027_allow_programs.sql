-- Whether clients and staff may upload programs and scripts (.exe, .bat,
-- …), refused unless the firm allows them (issue 12, point 6).
alter table firm_settings add column allow_programs integer not null default 0;
