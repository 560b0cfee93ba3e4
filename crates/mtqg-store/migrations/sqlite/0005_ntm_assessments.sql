-- Commune assessments against a criteria set: the values entered (by indicator code), evidence notes, and the
-- result computed when they were recorded (criteria met, status). A new assessment is a new row; the latest of a
-- commune, year and stage is the one shown.

create table ntm_assessments (
    id integer primary key,
    unit_id integer not null references units (id),
    year integer not null,
    stage text not null check (stage in ('tu_danh_gia', 'tham_dinh')),
    set_code text not null references criteria_sets (code),
    region_key text not null,
    flags text not null default '',
    assessment_values text not null,
    evidence text,
    n_met integer not null,
    n_criteria integer not null,
    status text not null,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index ntm_assessments_unit_idx on ntm_assessments (unit_id, year, stage);
