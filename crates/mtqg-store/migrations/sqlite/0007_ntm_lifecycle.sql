-- New-rural recognition lifecycle: registrations of a target year, recognition decisions and their revocation,
-- village-level recognitions (thôn NTM, khu dân cư kiểu mẫu, vườn mẫu) and OCOP products. Assessments keep the codes
-- of the criteria they met, for per-criterion roll-ups.

alter table ntm_assessments add column met_criteria text not null default '';

create table ntm_registrations (
    id integer primary key,
    unit_id integer not null references units (id),
    target_year integer not null,
    tier text not null check (tier in ('standard', 'advanced', 'model', 'modern')),
    registered_on text not null,
    legal_basis text not null default '',
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    constraint ntm_registrations_unique unique (unit_id, target_year, tier)
);
create index ntm_registrations_year_idx on ntm_registrations (target_year);

create table ntm_recognitions (
    id integer primary key,
    unit_id integer not null references units (id),
    tier text not null check (tier in ('standard', 'advanced', 'model', 'modern')),
    set_code text not null,
    decision text not null,
    decided_on text not null,
    revoked_on text,
    revocation_decision text,
    revocation_reason text,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index ntm_recognitions_unit_idx on ntm_recognitions (unit_id);
create index ntm_recognitions_date_idx on ntm_recognitions (decided_on);

create table ntm_local_recognitions (
    id integer primary key,
    kind text not null check (kind in ('thon_ntm', 'khu_dan_cu_kieu_mau', 'vuon_mau')),
    commune_id integer not null references units (id),
    village_id integer references units (id),
    name text not null,
    decision text not null,
    decided_on text not null,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index ntm_local_recognitions_commune_idx on ntm_local_recognitions (commune_id, decided_on);

create table ocop_products (
    id integer primary key,
    code text not null constraint ocop_products_code_unique unique,
    name text not null,
    owner text not null,
    commune_id integer not null references units (id),
    product_group text not null,
    score_a integer not null,
    score_b integer not null,
    score_c integer not null,
    stars integer not null,
    decision text not null,
    decided_on text not null,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index ocop_products_commune_idx on ocop_products (commune_id, decided_on);
