//! Tabular files in and out: CSV and XLSX read row by row into text cells; XLSX written from plain tables.
#![doc = include_str!("../README.md")]

use std::io::{Read, Seek};

use calamine::{Data, DataRef, Reader, Xlsx};

pub mod form;

/// The formats a user can upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Guesses the format from the file name, then from the first bytes (XLSX is a ZIP file, starting "PK").
    pub fn detect(file_name: &str, first_bytes: &[u8]) -> Format {
        let lower = file_name.to_lowercase();
        if lower.ends_with(".xlsx")
            || lower.ends_with(".xlsm")
            || first_bytes.starts_with(b"PK\x03\x04")
        {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// Why a file could not be read at all. Row-level problems are the caller's business.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("tệp không phải văn bản UTF-8 (dòng {row}); hãy lưu lại tệp CSV với mã hóa UTF-8")]
    NotUtf8 { row: usize },
    #[error("không có trang tính \"{name}\" trong tệp; các trang có: {available}")]
    MissingSheet { name: String, available: String },
    #[error("tệp không có trang tính nào")]
    NoSheet,
    #[error("tệp trống: không có dòng tiêu đề")]
    Empty,
    #[error("không đọc được tệp CSV ở dòng {row}: {message}")]
    Csv { row: usize, message: String },
    #[error("không đọc được tệp XLSX: {0}")]
    Xlsx(String),
    #[error("lỗi đọc tệp: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the rows come from: the sheet name (XLSX only) and the header.
#[derive(Debug, Clone)]
pub struct TableHead {
    pub sheet: Option<String>,
    pub headers: Vec<String>,
}

/// What a reader hands its visitor: the header once, then each data row with its spreadsheet row number.
#[derive(Debug)]
pub enum TableEvent<'a> {
    Head(&'a TableHead),
    Row(usize, &'a [String]),
}

/// Reads a CSV file row by row. `visit` gets the spreadsheet row number (header = 1) and the cells.
/// Memory stays bounded by one row, so files of any size stream through.
pub fn read_csv<R: Read>(
    reader: R,
    mut visit: impl FnMut(TableEvent<'_>),
) -> Result<(), TableError> {
    let mut csv_reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut row = 0;
    let mut head_seen = false;
    loop {
        row += 1;
        match csv_reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                return Err(match err.kind() {
                    csv::ErrorKind::Utf8 { .. } => TableError::NotUtf8 { row },
                    _ => TableError::Csv {
                        row,
                        message: err.to_string(),
                    },
                })
            }
        }
        cells.clear();
        cells.extend(
            record
                .iter()
                .map(|cell| cell.trim_start_matches('\u{feff}').to_owned()),
        );
        if head_seen {
            visit(TableEvent::Row(row, &cells));
        } else {
            head_seen = true;
            visit(TableEvent::Head(&TableHead {
                sheet: None,
                headers: cells.clone(),
            }));
        }
    }
    if !head_seen {
        return Err(TableError::Empty);
    }
    Ok(())
}

/// Reads one worksheet of an XLSX file: the named one, or the first. Cells are streamed from the sheet's XML, so
/// memory holds the shared strings and one row, not the whole sheet: a million-row list reads in bounded memory.
/// The first non-empty row is the header; row numbers are the spreadsheet's.
/// Runs one calamine call, turning its error, or its panic, into `TableError::Xlsx`. calamine 0.31 panics on some
/// malformed files (a shared-string cell pointing past the string table, and others the `xlsx_table` fuzz target
/// finds): a damaged upload is an error to report, not a crash. Only calamine's calls are guarded, so a panic in our
/// own parsers still surfaces.
fn guarded<T, E: std::fmt::Display>(call: impl FnOnce() -> Result<T, E>) -> Result<T, TableError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(TableError::Xlsx(err.to_string())),
        Err(_) => Err(TableError::Xlsx(
            "tệp XLSX bị hỏng (có phần trỏ tới dữ liệu không có trong tệp); hãy mở và lưu lại bằng Excel".to_owned(),
        )),
    }
}

/// Excel's last column is XFD, the 16,384th.
const MAX_COLUMNS: usize = 16_384;

pub fn read_xlsx<R: Read + Seek>(
    reader: R,
    sheet: Option<&str>,
    mut visit: impl FnMut(TableEvent<'_>),
) -> Result<(), TableError> {
    let mut workbook: Xlsx<R> = guarded(|| Xlsx::new(reader))?;
    let names = workbook.sheet_names();
    let sheet_name = match sheet {
        Some(name) => match names.iter().find(|candidate| candidate.as_str() == name) {
            Some(found) => found.clone(),
            None => {
                return Err(TableError::MissingSheet {
                    name: name.to_owned(),
                    available: names.join(", "),
                })
            }
        },
        None => names.first().cloned().ok_or(TableError::NoSheet)?,
    };
    let mut cells_reader = guarded(|| workbook.worksheet_cells_reader(&sheet_name))?;
    let mut head: Option<TableHead> = None;
    let mut cells: Vec<String> = Vec::new();
    let mut current: Option<u32> = None;
    let mut emit = |row: u32, cells: &mut Vec<String>, head: &mut Option<TableHead>| {
        if cells.iter().all(|cell| cell.is_empty()) {
            cells.clear();
            return;
        }
        match head {
            None => {
                let new_head = TableHead {
                    sheet: Some(sheet_name.clone()),
                    headers: std::mem::take(cells),
                };
                visit(TableEvent::Head(&new_head));
                *head = Some(new_head);
            }
            Some(_) => visit(TableEvent::Row(row as usize + 1, cells)),
        }
        cells.clear();
    };
    while let Some(cell) = guarded(|| cells_reader.next_cell())? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if let Some(previous) = current {
                emit(previous, &mut cells, &mut head);
            }
            current = Some(row);
        }
        let col = col as usize;
        // A damaged reference ("FFLAGS3") names a column far past Excel's last (XFD): refused before the row is
        // widened to it, which would take gigabytes (found by the xlsx_table fuzz target).
        if col >= MAX_COLUMNS {
            return Err(TableError::Xlsx(format!(
                "ô ở dòng {} nằm ở cột số {}, ngoài giới hạn {} cột của Excel: tệp bị hỏng; hãy mở và lưu lại bằng Excel",
                row as usize + 1,
                col + 1,
                MAX_COLUMNS
            )));
        }
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = cell_ref_text(cell.get_value());
    }
    if let Some(previous) = current {
        emit(previous, &mut cells, &mut head);
    }
    if head.is_none() {
        return Err(TableError::Empty);
    }
    Ok(())
}

/// A streamed cell as the text a user typed (see `cell_text`).
fn cell_ref_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Float(value) => cell_text(&Data::Float(*value)),
        DataRef::Int(value) => value.to_string(),
        DataRef::Bool(value) => value.to_string(),
        DataRef::DateTime(value) => cell_text(&Data::DateTime(*value)),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(err) => format!("#{err:?}"),
    }
}

/// A cell as the text a user typed: integers without ".0", other numbers with the Vietnamese decimal comma ("1234,5",
/// never "1234.5", which Vietnamese parsing would read as a thousands group), dates as ISO, codes keep leading zeros
/// when stored as text.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        Data::Float(value) => value.to_string().replace('.', ","),
        Data::Int(value) => value.to_string(),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) => match value.as_datetime() {
            Some(datetime) => datetime.date().format("%Y-%m-%d").to_string(),
            None => value.to_string(),
        },
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Error(err) => format!("#{err:?}"),
    }
}

/// A plain table to write as one worksheet: a header row, then text or number cells.
#[derive(Debug, Clone, Default)]
pub struct SheetData {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell of an exported sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

/// Writes sheets to an XLSX file in memory, with a bold frozen header and text-formatted codes.
pub fn write_xlsx(sheets: &[SheetData]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new()
        .set_bold()
        .set_background_color("#DDEBF7");
    let number = rust_xlsxwriter::Format::new().set_num_format("#,##0");
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name)?;
        for (col_idx, header) in sheet.headers.iter().enumerate() {
            worksheet.write_string_with_format(0, col_idx as u16, header, &bold)?;
            worksheet.set_column_width(col_idx as u16, 18)?;
        }
        worksheet.set_freeze_panes(1, 0)?;
        for (row_idx, row) in sheet.rows.iter().enumerate() {
            for (col_idx, cell) in row.iter().enumerate() {
                let (row_num, col_num) = (row_idx as u32 + 1, col_idx as u16);
                match cell {
                    Cell::Text(text) => worksheet.write_string(row_num, col_num, text)?,
                    Cell::Number(value) => {
                        worksheet.write_number_with_format(row_num, col_num, *value, &number)?
                    }
                };
            }
        }
    }
    workbook.save_to_buffer()
}

/// Writes one sheet of any length to a file, row by row, in constant memory (rows go to a temporary file as they
/// are written, not into a table held whole): exports and test files of a province's million households.
pub fn write_xlsx_file(
    path: &std::path::Path,
    sheet_name: &str,
    headers: &[String],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let worksheet = workbook.add_worksheet_with_constant_memory();
    worksheet.set_name(sheet_name)?;
    for (col_idx, header) in headers.iter().enumerate() {
        worksheet.write_string_with_format(0, col_idx as u16, header, &bold)?;
    }
    for (row_idx, row) in rows.enumerate() {
        let row_num = row_idx as u32 + 1;
        for (col_idx, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(text) if text.is_empty() => {}
                Cell::Text(text) => {
                    worksheet.write_string(row_num, col_idx as u16, text)?;
                }
                Cell::Number(value) => {
                    worksheet.write_number(row_num, col_idx as u16, *value)?;
                }
            }
        }
    }
    workbook.save(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_damaged_xlsx_is_an_error_not_a_crash() {
        // A shared-string cell pointing past a missing string table: calamine panics on it (fuzz target xlsx_table).
        let bytes = include_bytes!("../tests/data/shared-string-out-of-range.xlsx");
        let err = read_xlsx(std::io::Cursor::new(&bytes[..]), None, |_| {}).unwrap_err();
        assert!(err.to_string().contains("bị hỏng"), "{err}");
    }

    use super::*;

    type Rows = Vec<(usize, Vec<String>)>;

    /// A one-sheet XLSX file around `sheet_data` (the rows of `<sheetData>`), for cells no writer would produce.
    fn xlsx_with_sheet_data(sheet_data: &str) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="DS" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        for (name, text) in parts {
            zip.start_file(name, options).expect("zip entry");
            zip.write_all(text.as_bytes()).expect("zip write");
        }
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn a_cell_past_excels_last_column_is_an_error_not_gigabytes() {
        // The reference "FFLAGS3" (fuzz target xlsx_table) names column 73,171,519: the row used to be widened to it.
        let bytes = xlsx_with_sheet_data(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Mã hộ</t></is></c></row><row r="3"><c r="FFLAGS3" t="inlineStr"><is><t>x</t></is></c></row>"#,
        );
        let err = read_xlsx(std::io::Cursor::new(bytes), None, |_| {}).unwrap_err();
        assert!(
            err.to_string().contains("dòng 3") && err.to_string().contains("16384 cột"),
            "{err}"
        );
        // Column XFD itself is still a column.
        let bytes = xlsx_with_sheet_data(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Mã hộ</t></is></c><c r="XFD1" t="inlineStr"><is><t>cuối</t></is></c></row>"#,
        );
        let mut head = Vec::new();
        read_xlsx(std::io::Cursor::new(bytes), None, |event| {
            if let TableEvent::Head(h) = event {
                head = h.headers.clone();
            }
        })
        .expect("read");
        assert_eq!(head.len(), 16_384);
        assert_eq!(head[16_383], "cuối");
    }

    fn collect_csv(bytes: &[u8]) -> Result<(Vec<String>, Rows), TableError> {
        let mut head = Vec::new();
        let mut rows = Vec::new();
        read_csv(bytes, |event| match event {
            TableEvent::Head(h) => head = h.headers.clone(),
            TableEvent::Row(row, cells) => rows.push((row, cells.to_vec())),
        })?;
        Ok((head, rows))
    }

    #[test]
    fn csv_rows_carry_spreadsheet_row_numbers_and_lose_the_bom() {
        let (head, rows) = collect_csv("\u{feff}code,name\n01,Hà Nội\n02,Hà Giang\n".as_bytes())
            .expect("valid csv");
        assert_eq!(head, vec!["code", "name"]);
        assert_eq!(rows[1], (3, vec!["02".to_owned(), "Hà Giang".to_owned()]));
    }

    #[test]
    fn csv_that_is_not_utf8_names_the_row() {
        let err = collect_csv(b"code,name\n01,H\xe0 N\xf4i\n").expect_err("latin-1 is rejected");
        assert!(matches!(err, TableError::NotUtf8 { row: 2 }), "{err}");
    }

    #[test]
    fn an_empty_csv_is_an_error() {
        assert!(matches!(collect_csv(b""), Err(TableError::Empty)));
    }

    #[test]
    fn a_sheet_written_row_by_row_reads_back_with_its_spreadsheet_row_numbers() {
        let path = std::env::temp_dir().join(format!("mtqg-xlsx-{}.xlsx", std::process::id()));
        let rows = (0..3).map(|i| {
            vec![
                Cell::Text(format!("H{i}")),
                Cell::Text(String::new()),
                Cell::Number(1_500_000.0 + f64::from(i)),
            ]
        });
        write_xlsx_file(
            &path,
            "DS",
            &["Mã hộ".into(), "CS1".into(), "Thu nhập".into()],
            rows,
        )
        .expect("written");
        let bytes = std::fs::read(&path).expect("read");
        std::fs::remove_file(&path).ok();
        let mut seen = Vec::new();
        read_xlsx(std::io::Cursor::new(bytes), None, |event| {
            if let TableEvent::Row(row, cells) = event {
                seen.push((row, cells.to_vec()));
            }
        })
        .expect("workbook is read");
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].0, 2);
        assert_eq!(
            seen[2].1,
            ["H2".to_owned(), String::new(), "1500002".to_owned()]
        );
    }

    #[test]
    fn xlsx_round_trips_through_writer_and_reader_and_reports_a_missing_sheet() {
        let bytes = write_xlsx(&[SheetData {
            name: "DonVi".to_owned(),
            headers: vec!["code".to_owned(), "name".to_owned(), "n".to_owned()],
            rows: vec![vec![
                Cell::Text("00004".to_owned()),
                Cell::Text("Phường Ba Đình".to_owned()),
                Cell::Number(3.0),
            ]],
        }])
        .expect("workbook is written");
        assert_eq!(Format::detect("x.bin", &bytes), Format::Xlsx);
        let mut rows = Vec::new();
        let mut sheet = None;
        read_xlsx(std::io::Cursor::new(&bytes), None, |event| match event {
            TableEvent::Head(h) => sheet = h.sheet.clone(),
            TableEvent::Row(row, cells) => rows.push((row, cells.to_vec())),
        })
        .expect("workbook is read");
        assert_eq!(sheet.as_deref(), Some("DonVi"));
        assert_eq!(
            rows,
            vec![(
                2,
                vec![
                    "00004".to_owned(),
                    "Phường Ba Đình".to_owned(),
                    "3".to_owned()
                ]
            )]
        );
        let err = read_xlsx(std::io::Cursor::new(&bytes), Some("Sheet9"), |_| {})
            .expect_err("no such sheet");
        assert!(
            err.to_string().contains("Sheet9") && err.to_string().contains("DonVi"),
            "{err}"
        );
    }
}
