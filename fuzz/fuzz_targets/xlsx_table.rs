//! Fuzzes XLSX imports: `mtqg_xlsx::read_xlsx` over arbitrary bytes (a Cursor), then the same import parsers as
//! `csv_table`. Input starting with "PK" is read as the file itself; any other input is the sheet XML, then (after
//! a NUL byte) the shared strings and (after another) the styles, packed into a well-formed XLSX so the fuzzer
//! reaches cell handling past the ZIP checksums. Nothing may panic; errors are values.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use mtqg_fuzz::{run_importers, Table, MEMBERS_SHEET};
use mtqg_xlsx::{read_xlsx, TableError, TableEvent};
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Thành viên" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// Packs sheet XML, shared strings and styles (NUL-separated in `data`) into an XLSX file with one sheet named
/// like the members sheet, so the named-sheet path of the member import is taken too.
fn pack(data: &[u8]) -> Vec<u8> {
    let mut parts = data.splitn(3, |byte| *byte == 0);
    let sheet = parts.next().unwrap_or_default();
    let shared = parts.next();
    let styles = parts.next();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut file = |name: &str, bytes: &[u8]| {
        zip.start_file(name, stored).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    };
    file("[Content_Types].xml", CONTENT_TYPES.as_bytes());
    file("_rels/.rels", ROOT_RELS.as_bytes());
    file("xl/workbook.xml", WORKBOOK.as_bytes());
    file("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes());
    file("xl/worksheets/sheet1.xml", sheet);
    if let Some(shared) = shared {
        file("xl/sharedStrings.xml", shared);
    }
    if let Some(styles) = styles {
        file("xl/styles.xml", styles);
    }
    zip.finish().expect("zip finish").into_inner()
}

/// Reads one sheet, checking the reader's contract: one header first, only non-empty rows.
fn read(bytes: &[u8], sheet: Option<&str>) -> (Table, Result<(), TableError>) {
    let mut table = Table::default();
    let res = read_xlsx(Cursor::new(bytes), sheet, |event| {
        match &event {
            TableEvent::Head(head) => {
                assert!(head.sheet.is_some(), "an XLSX header names its sheet");
                assert!(
                    head.headers.iter().any(|cell| !cell.is_empty()),
                    "an empty header row"
                );
            }
            TableEvent::Row(_, cells) => {
                assert!(
                    cells.iter().any(|cell| !cell.is_empty()),
                    "an empty row was handed over"
                );
            }
        }
        table.record(event);
    });
    table.check_result(&res);
    if let (Some(name), Err(TableError::MissingSheet { name: missing, .. })) = (sheet, &res) {
        assert_eq!(name, missing);
    }
    (table, res)
}

fuzz_target!(init: {
    // `read_xlsx` catches calamine's own panics on damaged sheets and reports them as errors. libfuzzer-sys's panic
    // hook would abort before that `catch_unwind` runs, so the default hook is put back: a panic that escapes the
    // target still reaches libfuzzer-sys's own `catch_unwind` and counts as a crash.
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
}, |data: &[u8]| {
    let packed;
    let bytes = if data.starts_with(b"PK") {
        data
    } else {
        packed = pack(data);
        &packed
    };
    let (table, _) = read(bytes, None);
    run_importers(&table);
    // The member import asks for its sheet by name first, then falls back to the first sheet.
    let (named, res) = read(bytes, Some(MEMBERS_SHEET));
    if !matches!(res, Err(TableError::MissingSheet { .. })) {
        run_importers(&named);
    }
});
