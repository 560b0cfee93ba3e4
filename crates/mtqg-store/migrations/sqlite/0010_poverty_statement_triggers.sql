-- PostgreSQL checks frozen lists once per statement from this version; SQLite keeps its row triggers (they run in
-- process and cost little). This file keeps the two migration trees at the same versions.
select 1;
