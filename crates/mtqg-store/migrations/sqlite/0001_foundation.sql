-- Foundation: geography over time, groupings, accounts, sessions and the audit log.
-- Dates are ISO text (yyyy-mm-dd), timestamps RFC 3339 text; intervals are half-open [valid_from, valid_to).

create table units (
    id integer primary key,
    code text not null,
    level text not null check (level in ('province', 'district', 'commune', 'village')),
    valid_from text,
    valid_to text,
    end_note text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index units_code_idx on units (code);

create table unit_versions (
    id integer primary key,
    unit_id integer not null references units (id),
    name text not null,
    short_name text not null,
    unit_type text not null,
    parent_id integer references units (id),
    search_key text not null,
    valid_from text,
    valid_to text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index unit_versions_unit_idx on unit_versions (unit_id);
create index unit_versions_parent_idx on unit_versions (parent_id);

create table lineage_edges (
    id integer primary key,
    from_unit_id integer not null references units (id),
    to_unit_id integer not null references units (id),
    kind text not null check (kind in ('full', 'partial')),
    weight real check (weight is null or (weight >= 0 and weight <= 1)),
    effective_date text not null,
    legal_basis text not null default '',
    note text not null default '',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    constraint lineage_edges_unique unique (from_unit_id, to_unit_id, effective_date)
);
create index lineage_edges_to_idx on lineage_edges (to_unit_id);

create table groupings (
    id integer primary key,
    code text not null constraint groupings_code_unique unique,
    name text not null,
    category text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table grouping_members (
    id integer primary key,
    grouping_id integer not null references groupings (id),
    unit_id integer not null references units (id),
    valid_from text,
    valid_to text,
    legal_basis text not null default '',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index grouping_members_unit_idx on grouping_members (unit_id);

create table users (
    id integer primary key,
    username text not null constraint users_username_unique unique,
    display_name text not null,
    password_hash text not null,
    role text not null check (role in ('admin', 'steering', 'agency', 'commune', 'viewer')),
    scope_unit_id integer references units (id),
    active boolean not null default 1,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table sessions (
    id integer primary key,
    token_hash text not null constraint sessions_token_unique unique,
    user_id integer not null references users (id),
    csrf_token text not null,
    expires_at text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

create table audit_log (
    id integer primary key,
    at text not null,
    user_id integer references users (id),
    actor text not null,
    action text not null,
    entity text not null,
    entity_key text not null,
    before_data text,
    after_data text,
    reason text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index audit_log_at_idx on audit_log (at);

create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
