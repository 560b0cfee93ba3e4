-- A frozen list's rows are guarded once per statement (with the rows it touches) instead of once per row: a
-- million-row import was spending most of its time in the per-row check.

drop trigger poverty_list_rows_frozen_no_change on poverty_list_rows;
drop function poverty_list_rows_frozen();

create function poverty_list_rows_frozen_new() returns trigger language plpgsql as $$
begin
    if exists (select 1 from changed c join poverty_lists l on l.id = c.list_id where l.status = 'frozen') then
        raise exception 'poverty list is frozen: make a correcting list';
    end if;
    return null;
end;
$$;

create trigger poverty_list_rows_frozen_no_insert after insert on poverty_list_rows
    referencing new table as changed for each statement execute function poverty_list_rows_frozen_new();
create trigger poverty_list_rows_frozen_no_update after update on poverty_list_rows
    referencing old table as changed for each statement execute function poverty_list_rows_frozen_new();
create trigger poverty_list_rows_frozen_no_delete after delete on poverty_list_rows
    referencing old table as changed for each statement execute function poverty_list_rows_frozen_new();
