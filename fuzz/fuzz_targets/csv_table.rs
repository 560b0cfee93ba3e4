//! Fuzzes CSV imports: `mtqg_xlsx::read_csv` over arbitrary bytes, then every import parser (units, crosswalk,
//! groupings, capital, households, members, OCOP products, assessments) and the plans that follow, as the service
//! drives them. Nothing may panic; errors are values; rows come in order after one header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtqg_fuzz::{run_importers, Table};
use mtqg_xlsx::{read_csv, Format, TableEvent};

fuzz_target!(|data: &[u8]| {
    let _ = Format::detect("tep.csv", data);
    let mut table = Table::default();
    let mut last_row = 1;
    let res = read_csv(data, |event| {
        if let TableEvent::Row(row, _) = &event {
            // CSV rows are numbered as a spreadsheet shows them: the header is row 1, then one more per record.
            assert!(*row > last_row, "row {row} after row {last_row}");
            last_row = *row;
        }
        table.record(event);
    });
    table.check_result(&res);
    run_importers(&table);
});
