-- Direction: agencies per unit (sở, ban, ngành; phòng; commune bodies) with validity and abbreviations, their
-- assignment to communes, meetings with their conclusion notices, numbered tasks with lead and coordinating agencies,
-- progress updates, and obstacles routed to an agency.

create table agencies (
    id integer primary key,
    unit_id integer not null references units (id),
    code text not null constraint agencies_code_unique unique,
    name text not null,
    abbreviations text not null default '',
    valid_from text,
    valid_to text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index agencies_unit_idx on agencies (unit_id);

create table agency_communes (
    agency_id integer not null references agencies (id),
    commune_id integer not null references units (id),
    primary key (agency_id, commune_id)
) without rowid;

create table meetings (
    id integer primary key,
    unit_id integer not null references units (id),
    held_on text not null,
    title text not null,
    chair text not null default '',
    notice_number text not null default '',
    notice_date text,
    signer text not null default '',
    notice_text text not null default '',
    follows_id integer references meetings (id),
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index meetings_unit_idx on meetings (unit_id, held_on);

create table tasks (
    id integer primary key,
    meeting_id integer not null references meetings (id),
    number text not null,
    content text not null,
    lead_agency_id integer references agencies (id),
    coordinating text not null default '',
    due_on text,
    ongoing integer not null default 0,
    started_on text,
    done_on text,
    version integer not null default 1,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    constraint tasks_number_unique unique (meeting_id, number)
);
create index tasks_lead_idx on tasks (lead_agency_id, due_on);

create table task_updates (
    id integer primary key,
    task_id integer not null references tasks (id),
    reported_on text not null,
    note text not null,
    done integer not null default 0,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index task_updates_task_idx on task_updates (task_id);

create table obstacles (
    id integer primary key,
    unit_id integer not null references units (id),
    agency_id integer references agencies (id),
    project_id integer references projects (id),
    title text not null,
    detail text not null default '',
    raised_on text not null,
    answer_due text,
    answer text,
    answered_on text,
    closed_on text,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index obstacles_agency_idx on obstacles (agency_id, closed_on);

create table meeting_targets (
    id integer primary key,
    meeting_id integer not null references meetings (id),
    measure text not null check (measure in ('ntm_xa_share', 'ntm_xa_new', 'disbursement_rate', 'poverty_reduction')),
    unit_id integer not null references units (id),
    year integer not null,
    target_value real not null,
    due_on text not null,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index meeting_targets_meeting_idx on meeting_targets (meeting_id);

-- The signed notice and the evidence of progress, kept in the database so a backup holds them; size is bounded by
-- the service.
create table direction_files (
    id integer primary key,
    meeting_id integer not null references meetings (id),
    task_id integer references tasks (id),
    file_name text not null,
    content_type text not null,
    size integer not null,
    content blob not null,
    created_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
create index direction_files_meeting_idx on direction_files (meeting_id);

-- Accounts working for an agency: their "my tasks" are the agency's.
create table agency_members (
    agency_id integer not null references agencies (id),
    user_id integer not null references users (id),
    primary key (agency_id, user_id)
) without rowid;
