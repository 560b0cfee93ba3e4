-- Reporting: one submission per report, period and unit, with the figures entered by hand, the computed figures
-- frozen when it was sent, its status in the approval flow and every step taken on it. An approved submission locks
-- the unit's data dated inside [period_start, period_end].

create table report_submissions (
    id integer primary key,
    report_code text not null,
    period text not null,
    period_start text not null,
    period_end text not null,
    unit_id integer not null references units (id),
    status text not null,
    fields text not null default '{}',
    figures text,
    origin text not null default 'system',
    deadline text not null,
    first_submitted_on text,
    submitted_at text,
    decided_at text,
    comment text,
    version integer not null default 1,
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    constraint report_submissions_unique unique (report_code, period, unit_id)
);
create index report_submissions_period_idx on report_submissions (report_code, period, status);
create index report_submissions_lock_idx on report_submissions (status, period_end, period_start, unit_id);

create table report_steps (
    id integer primary key,
    submission_id integer not null references report_submissions (id),
    at text not null,
    user_id integer references users (id),
    actor text not null,
    action text not null,
    from_status text,
    to_status text not null,
    comment text
);
create index report_steps_submission_idx on report_steps (submission_id, id);
