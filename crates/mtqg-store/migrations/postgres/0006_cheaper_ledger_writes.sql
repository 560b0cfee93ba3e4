-- Cheaper ledger writes, measured on the national benchmark (BENCHMARKS.md); the SQLite tree also makes the aggregate
-- tables WITHOUT ROWID, which PostgreSQL has no equivalent of.
-- * capital_events keeps only the indexes its reads use: a project's events (as investor or as receiver of an
--   allocation) and the events of a plan year in a date range (the recent pace of the will-lapse list). The index by
--   unit was read by nothing and cost a random B-tree insert per event.
-- * capital_events rows are never updated (append-only), so they carry no updated_at; created_at comes from the writer,
--   once per batch.

drop index capital_events_unit_idx;
drop index capital_events_project_idx;
create index capital_events_project_idx on capital_events (project_id, event_date) where project_id is not null;
create index capital_events_to_project_idx on capital_events (to_project_id) where to_project_id is not null;
create index capital_events_year_idx on capital_events (plan_year, event_date);
alter table capital_events drop column updated_at;
