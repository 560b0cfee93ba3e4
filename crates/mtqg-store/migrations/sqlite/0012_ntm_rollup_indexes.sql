-- The new-rural roll-up reads, for every xã, the results of the assessments of two years against the set in force.
-- An assessment row carries its entered values (a few kilobytes), so reading results from the table scanned
-- megabytes; this index holds everything the roll-up reads, so the read stays in the index.
create index ntm_assessments_results_idx on ntm_assessments
    (year, set_code, unit_id, stage, id, n_met, n_criteria, met_criteria);
