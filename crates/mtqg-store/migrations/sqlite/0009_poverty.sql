-- Poverty: standards (versioned data), the household register with members, review lists per commune and year
-- (open, then frozen by a recognition decision: triggers refuse any change to a frozen list), their tallies kept at
-- freezing, and the yearly reduction targets.

create table poverty_standards (
    code text primary key,
    name text not null,
    legal_basis text not null,
    first_year integer not null,
    last_year integer not null,
    parent_code text references poverty_standards (code),
    province_code text,
    verify integer not null,
    source text not null,
    loaded_by integer references users (id),
    loaded_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table households (
    id integer primary key,
    commune_id integer not null references units (id),
    code text not null constraint households_code_unique unique,
    head_name text not null,
    village text not null default '',
    address text not null default '',
    area text not null check (area in ('rural', 'urban')),
    ethnicity text not null default '',
    ethnic_minority integer not null default 0,
    meritorious integer not null default 0,
    social_protection integer not null default 0,
    no_worker integer not null default 0,
    version integer not null default 1,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index households_commune_idx on households (commune_id);

create table household_members (
    household_id integer not null references households (id),
    seq integer not null,
    name text not null,
    birth_year integer,
    sex text check (sex in ('nam', 'nu')),
    relation text not null default '',
    national_id text,
    primary key (household_id, seq)
) without rowid;
create unique index household_members_national_id_idx on household_members (national_id) where national_id is not null;

create table poverty_lists (
    id integer primary key,
    commune_id integer not null references units (id),
    year integer not null,
    kind text not null check (kind in ('annual', 'adhoc')),
    standard_code text not null references poverty_standards (code),
    status text not null check (status in ('open', 'frozen')),
    replaces_id integer references poverty_lists (id),
    decision text,
    decided_on text,
    note text not null default '',
    n_households integer,
    n_poor integer,
    n_near_poor integer,
    n_average integer,
    n_em integer,
    n_em_poor integer,
    n_em_near_poor integer,
    poor_deprived text,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    frozen_by integer references users (id),
    frozen_at text
);
create index poverty_lists_commune_idx on poverty_lists (commune_id, year);
create index poverty_lists_year_idx on poverty_lists (year, status);
create unique index poverty_lists_one_open_idx on poverty_lists (commune_id, year, kind) where status = 'open';

create table poverty_list_rows (
    list_id integer not null references poverty_lists (id),
    household_id integer not null references households (id),
    area text not null check (area in ('rural', 'urban')),
    ethnic_minority integer not null,
    income integer,
    score_a integer,
    deprived text not null default '',
    answered text not null default '',
    class text not null check (class in ('poor', 'near_poor', 'average', 'other')),
    primary key (list_id, household_id)
) without rowid;
create index poverty_list_rows_household_idx on poverty_list_rows (household_id);

create trigger poverty_lists_frozen_no_update before update on poverty_lists
when old.status = 'frozen'
begin
    select raise(abort, 'poverty list is frozen: make a correcting list');
end;
create trigger poverty_lists_frozen_no_delete before delete on poverty_lists
when old.status = 'frozen'
begin
    select raise(abort, 'poverty list is frozen: make a correcting list');
end;
create trigger poverty_list_rows_frozen_no_insert before insert on poverty_list_rows
when (select status from poverty_lists where id = new.list_id) = 'frozen'
begin
    select raise(abort, 'poverty list is frozen: make a correcting list');
end;
create trigger poverty_list_rows_frozen_no_update before update on poverty_list_rows
when (select status from poverty_lists where id = old.list_id) = 'frozen'
begin
    select raise(abort, 'poverty list is frozen: make a correcting list');
end;
create trigger poverty_list_rows_frozen_no_delete before delete on poverty_list_rows
when (select status from poverty_lists where id = old.list_id) = 'frozen'
begin
    select raise(abort, 'poverty list is frozen: make a correcting list');
end;

create table poverty_targets (
    unit_id integer not null references units (id),
    year integer not null,
    target_points real not null,
    legal_basis text not null default '',
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    primary key (unit_id, year)
);
