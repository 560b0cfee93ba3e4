-- New-rural criteria sets as loaded data: the TOML source is kept whole (the core reads it), with the fields lists
-- and checks need. A code names one version for good: a new version is loaded under a new code.

create table criteria_sets (
    id integer primary key,
    code text not null constraint criteria_sets_code_unique unique,
    name text not null,
    tier text not null check (tier in ('standard', 'advanced', 'model', 'modern')),
    level text not null check (level in ('commune', 'district', 'village')),
    province text,
    parent_code text,
    valid_from text not null,
    valid_to text,
    verify boolean not null default 0,
    source text not null,
    loaded_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
