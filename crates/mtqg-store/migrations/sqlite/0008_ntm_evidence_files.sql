-- Evidence files attached to a new-rural assessment (biên bản, ảnh, báo cáo), kept in the database so a backup holds
-- them; size is bounded by the service.

create table ntm_evidence_files (
    id integer primary key,
    assessment_id integer not null references ntm_assessments (id),
    file_name text not null,
    content_type text not null,
    size integer not null,
    content blob not null,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index ntm_evidence_files_assessment_idx on ntm_evidence_files (assessment_id);
