-- The events of money held by a unit rather than a project (plans, allocations, disbursement of recurrent capital
-- without a project), by unit: a scope's will-lapse list reads the recent pace of its own holders instead of the
-- whole country's window (BENCHMARKS.md, "National benchmark suite"). Partial: project events, the bulk of the
-- ledger, do not pay for it.
create index capital_events_unit_held_idx on capital_events (unit_id, plan_year, event_date) where project_id is null;
