-- A revision number per cached data set: every write to the geography bumps 'geography', so each process
-- rebuilds its in-memory atlas when the number it holds is stale. Groupings get their legal basis and a note
-- (used to flag memberships not yet checked against the official text).

create table revisions (
    name text primary key,
    value integer not null
);
insert into revisions (name, value) values ('geography', 0);

alter table groupings add column legal_basis text not null default '';
alter table groupings add column note text not null default '';
create index grouping_members_grouping_idx on grouping_members (grouping_id);
