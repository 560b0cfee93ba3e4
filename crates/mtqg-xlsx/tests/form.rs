//! A filled form written by `mtqg_xlsx::form::write_form` and read back: cells with calamine, print setup from the
//! file's XML.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use mtqg_core::report::layout::{FilledForm, FormCell, FormRow, HeaderCell};
use mtqg_xlsx::form::write_form;

/// A resource-mobilisation form: a two-row header where "Năm 2025" spans the two columns under it, a bold total,
/// numbers with one decimal, a percentage and an empty cell.
fn resource_form() -> FilledForm {
    let header_cell = |text: &str, col, rows, cols| HeaderCell {
        text: text.to_owned(),
        col,
        rows,
        cols,
    };
    let text = |value: &str| FormCell::Text(value.to_owned());
    let number = |value| FormCell::Number { value, decimals: 1 };
    FilledForm {
        code: "HUYDONG".to_owned(),
        issuer: vec!["UBND TỈNH LÀO CAI".to_owned()],
        form_label: "Biểu số 01".to_owned(),
        title: "KẾT QUẢ HUY ĐỘNG NGUỒN LỰC THỰC HIỆN CÁC CHƯƠNG TRÌNH MTQG".to_owned(),
        subtitle: vec!["6 tháng đầu năm 2025".to_owned()],
        unit_note: "Đơn vị tính: triệu đồng".to_owned(),
        header: vec![
            vec![
                header_cell("STT", 0, 2, 1),
                header_cell("Nguồn vốn", 1, 2, 1),
                header_cell("Năm 2025", 2, 1, 2),
                header_cell("Tỷ lệ TH/KH năm", 4, 2, 1),
                header_cell("Ghi chú", 5, 2, 1),
            ],
            vec![
                header_cell("TH 6 tháng", 2, 1, 1),
                header_cell("KH 6 tháng cuối năm", 3, 1, 1),
            ],
        ],
        widths: vec![6.0, 40.0, 14.0, 14.0, 12.0, 14.0],
        body: vec![
            FormRow {
                cells: vec![
                    text(""),
                    text("Tổng cộng"),
                    number(25_608.6),
                    number(33_151.3),
                    FormCell::Percent(0.436),
                    FormCell::Empty,
                ],
                bold: true,
            },
            FormRow {
                cells: vec![
                    text("1"),
                    text("Vốn đầu tư phát triển"),
                    number(20_108.6),
                    number(25_151.3),
                    FormCell::Percent(0.444),
                    FormCell::Empty,
                ],
                bold: false,
            },
            FormRow {
                cells: vec![
                    text("1.1"),
                    text("Ngân sách trung ương"),
                    number(15_000.0),
                    number(18_000.0),
                    FormCell::Percent(0.455),
                    text("Đã giao đủ"),
                ],
                bold: false,
            },
        ],
        notes: vec!["Số liệu cần đối chiếu văn bản gốc.".to_owned()],
        landscape: true,
    }
}

/// The first sheet's name and cells, the merged regions as ((first row, first col), (last row, last col)), the
/// defined names, and the sheet XML.
struct WrittenForm {
    sheet_name: String,
    cells: calamine::Range<Data>,
    merged: Vec<((u32, u32), (u32, u32))>,
    defined_names: Vec<(String, String)>,
    sheet_xml: String,
    styles_xml: String,
}

fn write_and_read(form: &FilledForm) -> WrittenForm {
    let bytes = write_form(form).expect("the form is written");
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(&bytes)).expect("the file is a workbook");
    let sheet_name = workbook.sheet_names()[0].clone();
    let cells = workbook
        .worksheet_range(&sheet_name)
        .expect("the sheet has cells");
    workbook
        .load_merged_regions()
        .expect("merged regions are readable");
    let merged = workbook
        .merged_regions_by_sheet(&sheet_name)
        .into_iter()
        .map(|(_, _, dimensions)| (dimensions.start, dimensions.end))
        .collect();
    let defined_names = workbook.defined_names().to_vec();
    let xml = |name| String::from_utf8(part(&bytes, name)).expect("XML is UTF-8");
    WrittenForm {
        sheet_name,
        cells,
        merged,
        defined_names,
        sheet_xml: xml("xl/worksheets/sheet1.xml"),
        styles_xml: xml("xl/styles.xml"),
    }
}

fn text_at(written: &WrittenForm, row: u32, col: u32) -> String {
    match written.cells.get_value((row, col)) {
        Some(Data::String(text)) => text.clone(),
        other => panic!("expected text at ({row}, {col}), found {other:?}"),
    }
}

fn number_at(written: &WrittenForm, row: u32, col: u32) -> f64 {
    match written.cells.get_value((row, col)) {
        Some(Data::Float(value)) => *value,
        other => panic!("expected a number at ({row}, {col}), found {other:?}"),
    }
}

#[test]
fn the_title_block_sits_above_the_table_in_merged_rows() {
    let written = write_and_read(&resource_form());
    assert_eq!(written.sheet_name, "HUYDONG");
    assert_eq!(text_at(&written, 0, 0), "UBND TỈNH LÀO CAI");
    assert_eq!(text_at(&written, 0, 4), "Biểu số 01");
    assert_eq!(
        text_at(&written, 2, 0),
        "KẾT QUẢ HUY ĐỘNG NGUỒN LỰC THỰC HIỆN CÁC CHƯƠNG TRÌNH MTQG"
    );
    assert_eq!(text_at(&written, 3, 0), "6 tháng đầu năm 2025");
    assert_eq!(text_at(&written, 4, 4), "Đơn vị tính: triệu đồng");
    for region in [
        ((0, 0), (0, 1)),
        ((0, 4), (0, 5)),
        ((2, 0), (2, 5)),
        ((3, 0), (3, 5)),
        ((4, 4), (4, 5)),
    ] {
        assert!(
            written.merged.contains(&region),
            "{region:?} in {:?}",
            written.merged
        );
    }
}

#[test]
fn header_cells_are_merged_over_their_rows_and_columns() {
    let written = write_and_read(&resource_form());
    assert_eq!(text_at(&written, 5, 0), "STT");
    assert_eq!(text_at(&written, 5, 1), "Nguồn vốn");
    assert_eq!(text_at(&written, 5, 2), "Năm 2025");
    assert_eq!(text_at(&written, 6, 2), "TH 6 tháng");
    assert_eq!(text_at(&written, 6, 3), "KH 6 tháng cuối năm");
    for region in [((5, 1), (6, 1)), ((5, 2), (5, 3)), ((5, 4), (6, 4))] {
        assert!(
            written.merged.contains(&region),
            "{region:?} in {:?}",
            written.merged
        );
    }
    assert!(
        !written.merged.iter().any(|(first, _)| *first == (6, 2)),
        "a one-cell header is not merged"
    );
}

#[test]
fn body_numbers_and_percentages_stay_numbers_with_number_formats() {
    let written = write_and_read(&resource_form());
    assert_eq!(text_at(&written, 7, 1), "Tổng cộng");
    assert_eq!(number_at(&written, 7, 2), 25_608.6);
    assert_eq!(number_at(&written, 7, 4), 0.436);
    assert_eq!(text_at(&written, 9, 0), "1.1");
    assert_eq!(text_at(&written, 9, 5), "Đã giao đủ");
    assert!(written.styles_xml.contains(r##"formatCode="#,##0.0""##));
    assert!(written.styles_xml.contains(r#"formatCode="0.0%""#));
    assert!(written
        .styles_xml
        .contains(r#"<name val="Times New Roman"/>"#));
    assert!(
        written.sheet_xml.contains(r#"<c r="F8" s="#),
        "the empty cell is written, so it gets its borders"
    );
}

#[test]
fn notes_follow_the_table_after_a_blank_row() {
    let written = write_and_read(&resource_form());
    assert_eq!(
        text_at(&written, 11, 0),
        "Số liệu cần đối chiếu văn bản gốc."
    );
    assert!(written.merged.contains(&((11, 0), (11, 5))));
}

#[test]
fn the_sheet_prints_on_a4_one_page_wide_with_the_header_on_every_page() {
    let written = write_and_read(&resource_form());
    let xml = &written.sheet_xml;
    assert!(xml.contains(r#"paperSize="9""#), "{xml}");
    assert!(xml.contains(r#"orientation="landscape""#), "{xml}");
    assert!(xml.contains(r#"fitToPage="1""#), "{xml}");
    assert!(xml.contains(r#"fitToHeight="0""#), "{xml}");
    assert!(
        !xml.contains("fitToWidth=") || xml.contains(r#"fitToWidth="1""#),
        "{xml}"
    );
    assert!(xml.contains(r#"horizontalCentered="1""#), "{xml}");
    assert!(
        xml.contains(r#"topLeftCell="A8""#),
        "frozen under the header: {xml}"
    );
    assert!(
        written
            .defined_names
            .contains(&("_xlnm.Print_Titles".to_owned(), "HUYDONG!$6:$7".to_owned())),
        "{:?}",
        written.defined_names
    );
}

#[test]
fn a_portrait_form_with_a_long_code_gets_a_sheet_name_cut_to_31_characters() {
    let mut form = resource_form();
    form.landscape = false;
    form.code = "HUYDONG_NGUON_LUC_CHUONG_TRINH_MTQG_2025".to_owned();
    let written = write_and_read(&form);
    assert_eq!(written.sheet_name, "HUYDONG_NGUON_LUC_CHUONG_TRINH_");
    assert!(!written.sheet_xml.contains(r#"orientation="landscape""#));
}

/// The uncompressed bytes of one part of the file.
fn part(bytes: &[u8], name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("the file is a ZIP archive");
    let mut out = Vec::new();
    archive
        .by_name(name)
        .expect("the part exists")
        .read_to_end(&mut out)
        .expect("the part reads");
    out
}
