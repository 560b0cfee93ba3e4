//! The DOCX written for a narrative report: what `word/document.xml` holds and in which order.

use std::io::{Cursor, Read};

use chrono::NaiveDate;
use mtqg_core::report::layout::{Block, Document, Signature, Table};
use mtqg_docx::{write_document, DocxError};
use quick_xml::events::Event;
use quick_xml::Reader;

fn report() -> Document {
    Document {
        parent_body: None,
        issuer: "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI".to_owned(),
        number: "Số: 123/BC-UBND".to_owned(),
        place: "Lào Cai".to_owned(),
        date: NaiveDate::from_ymd_opt(2025, 7, 5),
        year: 2025,
        kind: "BÁO CÁO".to_owned(),
        summary: "Kết quả thực hiện các Chương trình mục tiêu quốc gia 6 tháng đầu năm 2025".to_owned(),
        blocks: vec![
            Block::Heading {
                level: 1,
                text: "I. KẾT QUẢ THỰC HIỆN".to_owned(),
            },
            Block::Heading {
                level: 2,
                text: "1. Vốn đầu tư phát triển".to_owned(),
            },
            Block::Paragraph(
                "Tổng kế hoạch vốn năm 2025 là 58.734,0 triệu đồng; đến ngày 30/6/2025 đã giải ngân \
                 25.608,6 triệu đồng, đạt 43,6% kế hoạch."
                    .to_owned(),
            ),
            Block::Heading {
                level: 3,
                text: "a) Chương trình xây dựng nông thôn mới".to_owned(),
            },
            Block::Table(Table {
                unit_note: Some("Đơn vị tính: triệu đồng".to_owned()),
                header: vec![
                    "STT".to_owned(),
                    "Chương trình".to_owned(),
                    "Kế hoạch".to_owned(),
                    "Giải ngân".to_owned(),
                    "Tỷ lệ".to_owned(),
                ],
                rows: vec![
                    vec![
                        "1".to_owned(),
                        "Xây dựng nông thôn mới".to_owned(),
                        "31.250,0".to_owned(),
                        "14.387,2".to_owned(),
                        "46,0%".to_owned(),
                    ],
                    vec![
                        "2".to_owned(),
                        "Giảm nghèo bền vững".to_owned(),
                        "27.484,0".to_owned(),
                        "11.221,4".to_owned(),
                        "40,8%".to_owned(),
                    ],
                    vec![
                        String::new(),
                        "Tổng cộng".to_owned(),
                        "58.734,0".to_owned(),
                        "25.608,6".to_owned(),
                        "43,6%".to_owned(),
                    ],
                ],
                numeric: vec![false, false, true, true, true],
                bold_rows: vec![2],
            }),
            Block::Heading {
                level: 1,
                text: "II. NHIỆM VỤ 6 THÁNG CUỐI NĂM".to_owned(),
            },
            Block::Paragraph("Đẩy nhanh tiến độ giải ngân vốn & hoàn thành kế hoạch năm.".to_owned()),
        ],
        recipients: vec![
            "- Ban Chỉ đạo Trung ương;".to_owned(),
            "- Thường trực Tỉnh ủy;".to_owned(),
            "- Lưu: VT, KT.".to_owned(),
        ],
        signature: Signature {
            on_behalf: "TM. ỦY BAN NHÂN DÂN".to_owned(),
            position: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".to_owned(),
            name: "Nguyễn Văn An".to_owned(),
        },
    }
}

/// One part of the written package, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("the file is a ZIP archive");
    let mut file = archive.by_name(name).expect("the part exists");
    let mut text = String::new();
    file.read_to_string(&mut text).expect("the part is UTF-8");
    text
}

fn document_xml(doc: &Document) -> String {
    let bytes = write_document(doc).expect("the report is written");
    part(&bytes, "word/document.xml")
}

/// The text of the `w:t` elements, one line per paragraph; fails if the XML is not well-formed.
fn text_of(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().expect("the XML is well-formed") {
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            Event::End(e) if e.name().as_ref() == b"w:p" => out.push('\n'),
            Event::Text(e) if in_text => out.push_str(&e.decode().expect("text is UTF-8")),
            Event::GeneralRef(e) if in_text => {
                let name = e.decode().expect("reference is UTF-8");
                out.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is missing from:\n{text}"))
}

#[test]
fn a_report_carries_the_national_motto_and_the_issuing_body() {
    let text = text_of(&document_xml(&report()));
    for line in [
        "ỦY BAN NHÂN DÂN",
        "TỈNH LÀO CAI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 123/BC-UBND",
        "Lào Cai, ngày 05 tháng 07 năm 2025",
    ] {
        position(&text, line);
    }
}

#[test]
fn a_report_carries_its_title_body_figures_and_signature() {
    let text = text_of(&document_xml(&report()));
    for needle in [
        "BÁO CÁO",
        "Kết quả thực hiện các Chương trình mục tiêu quốc gia 6 tháng đầu năm 2025",
        "I. KẾT QUẢ THỰC HIỆN",
        "25.608,6 triệu đồng, đạt 43,6% kế hoạch.",
        "Đơn vị tính: triệu đồng",
        "14.387,2",
        "Tổng cộng",
        "vốn & hoàn thành",
        "Nơi nhận:",
        "- Ban Chỉ đạo Trung ương;",
        "TM. ỦY BAN NHÂN DÂN",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn An",
    ] {
        position(&text, needle);
    }
}

#[test]
fn the_parts_come_in_document_order() {
    let text = text_of(&document_xml(&report()));
    let order = [
        "ỦY BAN NHÂN DÂN",
        "Độc lập - Tự do - Hạnh phúc",
        "Lào Cai, ngày 05 tháng 07 năm 2025",
        "BÁO CÁO",
        "Kết quả thực hiện",
        "I. KẾT QUẢ THỰC HIỆN",
        "25.608,6 triệu đồng",
        "Tổng cộng",
        "II. NHIỆM VỤ 6 THÁNG CUỐI NĂM",
        "Nơi nhận:",
        "Nguyễn Văn An",
    ];
    let positions: Vec<usize> = order.iter().map(|needle| position(&text, needle)).collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "out of order: {:?}",
        order.iter().zip(&positions).collect::<Vec<_>>()
    );
}

#[test]
fn the_page_is_a4_portrait_in_times_new_roman() {
    let xml = document_xml(&report());
    assert!(xml.contains(r#"w:w="11906""#), "no A4 width in the section");
    assert!(
        xml.contains(r#"w:h="16838""#),
        "no A4 height in the section"
    );
    assert!(xml.contains(r#"w:left="1701""#), "no 30 mm left margin");
    assert!(xml.contains(r#"w:ascii="Times New Roman""#));
    assert!(xml.contains(r#"w:eastAsia="Times New Roman""#));
    assert!(!xml.contains("Calibri"));
    let styles = write_document(&report()).map(|bytes| part(&bytes, "word/styles.xml"));
    let styles = styles.expect("the report is written");
    assert!(
        styles.contains(r#"w:ascii="Times New Roman""#),
        "the defaults name the font too"
    );
    text_of(&styles);
}

#[test]
fn body_text_is_justified_with_a_first_line_indent_and_totals_are_bold() {
    let xml = document_xml(&report());
    let paragraph = &xml[..position(&xml, "25.608,6 triệu đồng")];
    let paragraph = &paragraph[paragraph
        .rfind("<w:p ")
        .expect("the figure sits in a paragraph")..];
    assert!(paragraph.contains(r#"<w:jc w:val="both""#), "{paragraph}");
    assert!(paragraph.contains(r#"w:firstLine="567""#), "{paragraph}");

    let total = &xml[..position(&xml, "Tổng cộng")];
    let run = &total[total.rfind("<w:r>").expect("the total sits in a run")..];
    assert!(run.contains("<w:b "), "{run}");
}

#[test]
fn an_undated_report_leaves_the_day_and_month_blank() {
    let mut doc = report();
    doc.date = None;
    let text = text_of(&document_xml(&doc));
    position(&text, "Lào Cai, ngày     tháng     năm 2025");
}

#[test]
fn a_report_without_a_number_leaves_room_for_the_clerk() {
    let mut doc = report();
    doc.number = String::new();
    let text = text_of(&document_xml(&doc));
    position(&text, "Số:        /BC-UBND");
}

#[test]
fn a_department_report_names_its_parent_body_above_the_issuer() {
    let mut doc = report();
    doc.parent_body = Some("UBND TỈNH LÀO CAI".to_owned());
    doc.issuer = "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG".to_owned();
    let text = text_of(&document_xml(&doc));
    assert!(position(&text, "UBND TỈNH LÀO CAI") < position(&text, "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"));
}

#[test]
fn characters_xml_cannot_hold_are_dropped_not_written() {
    let mut doc = report();
    doc.blocks.push(Block::Paragraph(
        "Ghi chú\u{1}: số liệu\u{b} sơ bộ".to_owned(),
    ));
    let text = text_of(&document_xml(&doc));
    position(&text, "Ghi chú: số liệu sơ bộ");
}

#[test]
fn a_table_without_columns_is_refused() {
    let mut doc = report();
    doc.blocks.push(Block::Table(Table {
        unit_note: None,
        header: Vec::new(),
        rows: Vec::new(),
        numeric: Vec::new(),
        bold_rows: Vec::new(),
    }));
    let blocks = doc.blocks.len();
    match write_document(&doc) {
        Err(DocxError::EmptyTable { block }) => assert_eq!(block, blocks),
        other => panic!(
            "expected an empty-table error, got {:?}",
            other.map(|bytes| bytes.len())
        ),
    }
}
