-- Optimistic concurrency: every record edited in place carries a version, bumped by each change. An edit names the
-- version it was made on (`where id = $1 and version = $2`); a stale one changes nothing and the officer is told.
-- Tasks, households and report submissions have had one since they were made; projects version their commitment
-- schedule.

alter table program_items add column version integer not null default 1;
alter table lineage_edges add column version integer not null default 1;
alter table poverty_list_rows add column version integer not null default 1;
alter table poverty_targets add column version integer not null default 1;
alter table projects add column version integer not null default 1;
