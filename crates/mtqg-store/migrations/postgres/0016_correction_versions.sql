-- OCOP products and village-level recognitions can be corrected (a mistyped score, name, decision or date) with a
-- reason: each correction checks the version the officer read, so a second officer's stale correction is refused
-- instead of overwriting the first.
alter table ocop_products add column version bigint not null default 1;
alter table ntm_local_recognitions add column version bigint not null default 1;
