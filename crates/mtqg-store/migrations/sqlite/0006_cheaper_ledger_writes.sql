-- Cheaper ledger writes, measured on the national benchmark (BENCHMARKS.md):
-- * capital_events keeps only the indexes its reads use: a project's events (as investor or as receiver of an
--   allocation) and the events of a plan year in a date range (the recent pace of the will-lapse list). The index by
--   unit was read by nothing and cost a random B-tree insert per event.
-- * capital_events rows are never updated (append-only), so they carry no updated_at; created_at comes from the writer,
--   once per batch, instead of being formatted per row.
-- * The aggregate and balance tables are WITHOUT ROWID: their primary key is the only thing they are looked up by, so
--   each upsert writes one B-tree instead of two.

drop index capital_events_unit_idx;
drop index capital_events_project_idx;
create index capital_events_project_idx on capital_events (project_id, event_date) where project_id is not null;
create index capital_events_to_project_idx on capital_events (to_project_id) where to_project_id is not null;
create index capital_events_year_idx on capital_events (plan_year, event_date);
alter table capital_events drop column updated_at;

create table capital_balances_new (
    holder_kind text not null check (holder_kind in ('unit', 'project')),
    holder_id integer not null,
    item_id integer not null references program_items (id),
    source text not null,
    capital_type text not null,
    plan_year integer not null,
    unit_id integer not null references units (id),
    medium_term integer not null default 0,
    received integer not null default 0,
    to_projects integer not null default 0,
    disbursed integer not null default 0,
    disbursed_late integer not null default 0,
    carried integer not null default 0,
    lapsed integer not null default 0,
    carry_deadline text,
    primary key (holder_kind, holder_id, item_id, source, capital_type, plan_year)
) without rowid;

insert into capital_balances_new select * from capital_balances;
drop table capital_balances;
alter table capital_balances_new rename to capital_balances;

create table capital_daily_new (
    scope_id integer not null,
    plan_year integer not null,
    day text not null,
    item_id integer not null,
    source text not null,
    capital_type text not null,
    medium_term integer not null default 0,
    received integer not null default 0,
    to_projects integer not null default 0,
    disbursed integer not null default 0,
    carried integer not null default 0,
    lapsed integer not null default 0,
    primary key (scope_id, plan_year, day, item_id, source, capital_type)
) without rowid;

insert into capital_daily_new select * from capital_daily;
drop table capital_daily;
alter table capital_daily_new rename to capital_daily;

create table capital_monthly_new (
    scope_id integer not null,
    plan_year integer not null,
    month text not null,
    item_id integer not null,
    source text not null,
    capital_type text not null,
    medium_term integer not null default 0,
    received integer not null default 0,
    to_projects integer not null default 0,
    disbursed integer not null default 0,
    carried integer not null default 0,
    lapsed integer not null default 0,
    primary key (scope_id, plan_year, month, item_id, source, capital_type)
) without rowid;

insert into capital_monthly_new select * from capital_monthly;
drop table capital_monthly;
alter table capital_monthly_new rename to capital_monthly;

create index capital_balances_year_idx on capital_balances (plan_year, unit_id);
