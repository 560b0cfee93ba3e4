-- Money: the program catalogue, investment projects, the append-only capital ledger, own-level balances per holder
-- and bucket (checked by every new event), daily aggregates per scope (the unit and its ancestors at the event date,
-- and 0 for the nation) maintained on write, and recorded deadline extensions.

create table program_items (
    id integer primary key,
    code text not null constraint program_items_code_unique unique,
    parent_id integer references program_items (id),
    level text not null check (level in ('program', 'project', 'subproject', 'content')),
    name text not null,
    phase text not null,
    valid_from text,
    valid_to text,
    legal_basis text not null default '',
    verify boolean not null default 0,
    maps_to_id integer references program_items (id),
    note text not null default '',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index program_items_parent_idx on program_items (parent_id);

create table projects (
    id integer primary key,
    code text not null constraint projects_code_unique unique,
    name text not null,
    unit_id integer not null references units (id),
    investor text not null,
    item_id integer not null references program_items (id),
    capital_type text not null check (capital_type in ('dtpt', 'su_nghiep')),
    sources text not null default '',
    total_investment integer not null check (total_investment >= 0),
    approval text not null default '',
    start_date text,
    end_date text,
    status text not null check (status in ('chuan_bi', 'dang_thuc_hien', 'hoan_thanh', 'quyet_toan')),
    contractors text not null default '',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index projects_unit_idx on projects (unit_id);

create table project_locations (
    project_id integer not null references projects (id),
    unit_id integer not null references units (id),
    primary key (project_id, unit_id)
);

create table project_commitments (
    project_id integer not null references projects (id),
    month text not null,
    amount integer not null check (amount >= 0),
    primary key (project_id, month)
);

create table project_progress (
    id integer primary key,
    project_id integer not null references projects (id),
    report_date text not null,
    physical_pct real not null check (physical_pct >= 0 and physical_pct <= 100),
    value_done integer not null check (value_done >= 0),
    note text not null default '',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index project_progress_project_idx on project_progress (project_id, report_date);

create table project_obstacles (
    id integer primary key,
    project_id integer not null references projects (id),
    kind text not null check (kind in ('mat_bang', 'thu_tuc', 'von', 'khac')),
    description text not null,
    owner text not null,
    status text not null check (status in ('mo', 'da_xu_ly')),
    raised_on text not null,
    resolved_on text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index project_obstacles_project_idx on project_obstacles (project_id);

create table capital_events (
    id integer primary key,
    kind text not null check (kind in ('medium_term_plan', 'annual_plan', 'allocation', 'adjustment', 'disbursement', 'carry_over', 'lapse')),
    unit_id integer not null references units (id),
    project_id integer references projects (id),
    to_unit_id integer references units (id),
    to_project_id integer references projects (id),
    item_id integer not null references program_items (id),
    source text not null,
    capital_type text not null,
    plan_year integer not null,
    amount integer not null,
    event_date text not null,
    legal_basis text not null default '',
    adjusts text,
    deadline text,
    reason text not null default '',
    batch text not null default '',
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index capital_events_project_idx on capital_events (project_id, event_date);
create index capital_events_unit_idx on capital_events (unit_id, plan_year, event_date);

create table capital_balances (
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
);
create index capital_balances_year_idx on capital_balances (plan_year, unit_id);

create table capital_daily (
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
);

-- The same sums by month (first day of the month): an as-of query reads whole months here and only the days of
-- its own month from capital_daily.
create table capital_monthly (
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
);

create table deadline_extensions (
    id integer primary key,
    plan_year integer not null,
    capital_type text,
    item_id integer references program_items (id),
    until text not null,
    legal_basis text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create trigger capital_events_no_update before update on capital_events
begin
    select raise(abort, 'capital_events is append-only: record an adjustment');
end;
create trigger capital_events_no_delete before delete on capital_events
begin
    select raise(abort, 'capital_events is append-only: record an adjustment');
end;
