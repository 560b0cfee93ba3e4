//! Narrative reports (`mtqg_core::report::layout::Document`) written to DOCX in the NĐ 30/2020/NĐ-CP layout.
#![doc = include_str!("../README.md")]

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, LineSpacing, LineSpacingType, PageMargin,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, TableBorder, TableBorderPosition, TableCell, TableCellMargins, TableRow,
    VAlignType, WidthType,
};
use mtqg_core::report::layout::{Block, Document, Signature, Table};

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// A body table with neither a header nor a cell: Word refuses a table without columns.
    #[error("bảng ở khối thứ {block} của báo cáo không có cột nào")]
    EmptyTable { block: usize },
    /// The parts could not be packed into the DOCX (ZIP) file.
    #[error("không đóng gói được tệp DOCX")]
    Pack(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Writes a narrative report as a DOCX file in memory: A4 portrait, Times New Roman, the national motto and the
/// issuing body on top, the body blocks, then the recipients and the signature block.
pub fn write_document(doc: &Document) -> Result<Vec<u8>, DocxError> {
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_FOOTER)
                .footer(HEADER_FOOTER),
        )
        .default_fonts(fonts())
        .default_size(BODY_SIZE)
        .default_line_spacing(single_spacing(0, 0));

    docx = docx.add_table(heading_table(doc));
    docx = docx.add_paragraph(
        centred(&doc.kind, Look::bold(BODY_SIZE)).line_spacing(single_spacing(240, 0)),
    );
    for line in doc.summary.split('\n') {
        docx = docx.add_paragraph(centred(line, Look::bold(BODY_SIZE)));
    }
    docx = docx.add_paragraph(short_rule(SUMMARY_RULE_INDENT));
    docx = docx.add_paragraph(Paragraph::new().size(BODY_SIZE));

    for (index, block) in doc.blocks.iter().enumerate() {
        docx = match block {
            Block::Heading { level, text } => docx.add_paragraph(heading(*level, text)),
            Block::Paragraph(text) => {
                docx.add_paragraph(body_paragraph(text, Look::plain(BODY_SIZE)))
            }
            Block::Table(table) => {
                let mut docx = docx;
                if let Some(note) = &table.unit_note {
                    docx = docx.add_paragraph(
                        paragraph(note, Look::plain(TABLE_SIZE).italic(), AlignmentType::Right)
                            .line_spacing(single_spacing(0, 60))
                            .keep_next(true),
                    );
                }
                docx.add_table(body_table(table, index + 1)?)
                    // Two tables in a row would merge in Word; the gap also separates the table from the text.
                    .add_paragraph(
                        Paragraph::new()
                            .size(BODY_SIZE)
                            .line_spacing(single_spacing(0, 120)),
                    )
            }
        };
    }

    docx = docx.add_paragraph(Paragraph::new().size(BODY_SIZE));
    docx = docx.add_table(closing_table(&doc.recipients, &doc.signature));

    let mut out = Cursor::new(Vec::new());
    if let Err(err) = docx.pack(&mut out) {
        return Err(DocxError::Pack(Box::new(err)));
    }
    Ok(out.into_inner())
}

/// A4 portrait, in twips (1/1440 inch).
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
/// 20 mm top and bottom, 30 mm left, 15 mm right (NĐ 30/2020, Phụ lục I).
const MARGIN_TOP: i32 = 1134;
const MARGIN_BOTTOM: i32 = 1134;
const MARGIN_LEFT: i32 = 1701;
const MARGIN_RIGHT: i32 = 850;
const HEADER_FOOTER: i32 = 720;
/// Left and right cell margins of the borderless layout tables (Word's default is 108).
const LAYOUT_CELL_MARGIN: usize = 57;
/// The width between the margins, which full-width tables take.
const TEXT_WIDTH: usize = PAGE_WIDTH as usize - MARGIN_LEFT as usize - MARGIN_RIGHT as usize;
/// The issuing body's column of the heading and closing tables; the motto and the signature take the rest, wide
/// enough for "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in 13 pt bold to stay on one line.
const LEFT_COLUMN: usize = TEXT_WIDTH * 37 / 100;
const RIGHT_COLUMN: usize = TEXT_WIDTH - LEFT_COLUMN;
/// First-line indent of body paragraphs: 1 cm.
const FIRST_LINE_INDENT: i32 = 567;
/// Left and right indents of the rules: under the issuer and the summary about a third of the line, under the
/// motto as long as "Độc lập - Tự do - Hạnh phúc" in 14 pt bold (about 3590 twips).
const ISSUER_RULE_INDENT: i32 = 1100;
const MOTTO_RULE_INDENT: i32 = 1090;
const SUMMARY_RULE_INDENT: i32 = 3300;

/// Font sizes in half-points.
const BODY_SIZE: usize = 28;
const HEAD_SIZE: usize = 26;
const TABLE_SIZE: usize = 24;
const RECIPIENT_SIZE: usize = 22;

const FONT: &str = "Times New Roman";

/// Empty paragraphs left for the handwritten signature and the seal.
const SIGNATURE_ROOM: usize = 4;

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .east_asia(FONT)
        .cs(FONT)
}

/// Single line spacing with the given space before and after, in twips.
fn single_spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(before)
        .after(after)
}

/// Body text: 1.15 lines, 6 pt after.
fn body_spacing() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(276)
        .before(0)
        .after(120)
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy)]
struct Look {
    size: usize,
    bold: bool,
    italic: bool,
    caps: bool,
}

impl Look {
    fn plain(size: usize) -> Look {
        Look {
            size,
            bold: false,
            italic: false,
            caps: false,
        }
    }

    fn bold(size: usize) -> Look {
        Look {
            bold: true,
            ..Look::plain(size)
        }
    }

    fn italic(self) -> Look {
        Look {
            italic: true,
            ..self
        }
    }

    fn caps(self) -> Look {
        Look { caps: true, ..self }
    }
}

/// A run of text; '\n' becomes a line break and '\t' a tab, and characters XML cannot hold are dropped.
fn run(text: &str, look: Look) -> Run {
    let mut run = Run::new().fonts(fonts()).size(look.size);
    if look.bold {
        run = run.bold();
    }
    if look.italic {
        run = run.italic();
    }
    if look.caps {
        run.run_property = run.run_property.caps();
    }
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                run = run.add_tab();
            }
            let clean: String = piece.chars().filter(|c| fits_xml(*c)).collect();
            if !clean.is_empty() {
                run = run.add_text(clean);
            }
        }
    }
    run
}

/// Characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF) would make Word refuse the file.
fn fits_xml(c: char) -> bool {
    !c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}'
}

/// A paragraph of one run, with its mark in the same size so empty lines keep their height.
fn paragraph(text: &str, look: Look, align: AlignmentType) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, look))
        .size(look.size)
        .align(align)
}

fn centred(text: &str, look: Look) -> Paragraph {
    paragraph(text, look, AlignmentType::Center)
}

/// A justified body paragraph with a 1 cm first-line indent.
fn body_paragraph(text: &str, look: Look) -> Paragraph {
    paragraph(text, look, AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(FIRST_LINE_INDENT)),
            None,
            None,
        )
        .line_spacing(body_spacing())
}

/// Level 1 and 2 bold, level 3 and below italic; kept with the text that follows.
fn heading(level: u8, text: &str) -> Paragraph {
    let look = match level {
        0..=2 => Look::bold(BODY_SIZE),
        _ => Look::plain(BODY_SIZE).italic(),
    };
    body_paragraph(text, look).keep_next(true)
}

/// A short horizontal rule: an empty, three-point paragraph with a bottom border, narrowed by its indents.
fn short_rule(indent: i32) -> Paragraph {
    let mut rule = Paragraph::new()
        .size(4)
        .indent(Some(indent), None, Some(indent), None)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(60)
                .before(0)
                .after(0),
        );
    rule.property = rule.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .space(1),
        ),
    );
    rule
}

/// A table cell of the given width holding the given paragraphs (a cell needs at least one).
fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    let mut cell = TableCell::new().width(width, WidthType::Dxa);
    if paragraphs.is_empty() {
        return cell.add_paragraph(Paragraph::new());
    }
    for p in paragraphs {
        cell = cell.add_paragraph(p);
    }
    cell
}

/// A two-column table without borders, the issuer's column on the left.
fn layout_table(rows: Vec<TableRow>) -> docx_rs::Table {
    let mut table = docx_rs::Table::without_borders(rows)
        .set_grid(vec![LEFT_COLUMN, RIGHT_COLUMN])
        .width(TEXT_WIDTH, WidthType::Dxa)
        .margins(TableCellMargins::new().margin(0, LAYOUT_CELL_MARGIN, 0, LAYOUT_CELL_MARGIN));
    for position in all_borders() {
        table = table.set_border(
            TableBorder::new(position)
                .border_type(BorderType::None)
                .size(0),
        );
    }
    table
}

fn all_borders() -> [TableBorderPosition; 6] {
    [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
}

/// The top of the page: issuing body and number on the left, motto and place and date on the right. The number
/// and the date share a row so that they line up, as in the model form.
fn heading_table(doc: &Document) -> docx_rs::Table {
    let mut left = Vec::new();
    if let Some(parent) = doc.parent_body.as_deref().filter(|p| !p.trim().is_empty()) {
        for line in parent.split('\n') {
            left.push(centred(line, Look::plain(HEAD_SIZE).caps()));
        }
    }
    for line in doc.issuer.split('\n') {
        left.push(centred(line, Look::bold(HEAD_SIZE).caps()));
    }
    left.push(short_rule(ISSUER_RULE_INDENT));

    let right = vec![
        centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Look::bold(HEAD_SIZE)),
        centred("Độc lập - Tự do - Hạnh phúc", Look::bold(BODY_SIZE)),
        short_rule(MOTTO_RULE_INDENT),
    ];

    let number = if doc.number.trim().is_empty() {
        "Số:        /BC-UBND"
    } else {
        doc.number.as_str()
    };
    let dated = place_and_date(doc);
    let second_row = TableRow::new(vec![
        cell(
            LEFT_COLUMN,
            vec![centred(number, Look::plain(HEAD_SIZE)).line_spacing(single_spacing(120, 0))],
        ),
        cell(
            RIGHT_COLUMN,
            vec![centred(&dated, Look::plain(BODY_SIZE).italic())
                .line_spacing(single_spacing(120, 0))],
        ),
    ]);
    layout_table(vec![
        TableRow::new(vec![cell(LEFT_COLUMN, left), cell(RIGHT_COLUMN, right)]),
        second_row,
    ])
}

/// "Lào Cai, ngày 05 tháng 07 năm 2025", or blanks for the clerk when the date is not known yet.
fn place_and_date(doc: &Document) -> String {
    match doc.date {
        Some(date) => format!("{}, {}", doc.place, date.format("ngày %d tháng %m năm %Y")),
        None => format!("{}, ngày     tháng     năm {}", doc.place, doc.year),
    }
}

/// A bordered, full-width table: the header bold and centred, numeric columns right-aligned.
fn body_table(table: &Table, block: usize) -> Result<docx_rs::Table, DocxError> {
    let n_columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len()])
        .max()
        .unwrap_or(0);
    if n_columns == 0 {
        return Err(DocxError::EmptyTable { block });
    }
    let widths = column_widths(table, n_columns);
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    if !table.header.is_empty() {
        let cells = (0..n_columns)
            .map(|i| {
                let text = table.header.get(i).map_or("", String::as_str);
                table_cell(
                    widths[i],
                    text,
                    Look::bold(TABLE_SIZE),
                    AlignmentType::Center,
                )
            })
            .collect();
        rows.push(TableRow::new(cells).cant_split());
    }
    for (r, row) in table.rows.iter().enumerate() {
        let look = if table.bold_rows.contains(&r) {
            Look::bold(TABLE_SIZE)
        } else {
            Look::plain(TABLE_SIZE)
        };
        let cells = (0..n_columns)
            .map(|i| {
                let text = row.get(i).map_or("", String::as_str);
                let align = if table.numeric.get(i).copied().unwrap_or(false) {
                    AlignmentType::Right
                } else {
                    AlignmentType::Left
                };
                table_cell(widths[i], text, look, align)
            })
            .collect();
        rows.push(TableRow::new(cells).cant_split());
    }
    let mut out = docx_rs::Table::new(rows)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa);
    for position in all_borders() {
        out = out.set_border(
            TableBorder::new(position)
                .border_type(BorderType::Single)
                .size(4),
        );
    }
    Ok(out)
}

fn table_cell(width: usize, text: &str, look: Look, align: AlignmentType) -> TableCell {
    cell(
        width,
        vec![paragraph(text, look, align).line_spacing(single_spacing(40, 40))],
    )
    .vertical_align(VAlignType::Center)
}

/// Column widths in proportion to the longest cell (or the longest header word), so that numbers get narrow
/// columns and names wide ones; together they fill the text width.
fn column_widths(table: &Table, n_columns: usize) -> Vec<usize> {
    let weights: Vec<usize> = (0..n_columns)
        .map(|i| {
            let body = table
                .rows
                .iter()
                .filter_map(|row| row.get(i))
                .map(|text| text.chars().count())
                .max()
                .unwrap_or(0);
            let head = table
                .header
                .get(i)
                .and_then(|text| {
                    text.split_whitespace()
                        .map(|word| word.chars().count())
                        .max()
                })
                .unwrap_or(0);
            body.max(head).clamp(6, 36) + 3
        })
        .collect();
    let total: usize = weights.iter().sum();
    let mut widths: Vec<usize> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
    let used: usize = widths.iter().sum();
    if let Some(widest) = widths.iter_mut().max() {
        *widest += TEXT_WIDTH - used;
    }
    widths
}

/// The bottom of the page: "Nơi nhận:" and the recipients on the left, the signature block on the right.
fn closing_table(recipients: &[String], signature: &Signature) -> docx_rs::Table {
    let mut left = vec![paragraph(
        "Nơi nhận:",
        Look::bold(TABLE_SIZE).italic(),
        AlignmentType::Left,
    )];
    for line in recipients {
        left.push(paragraph(
            line,
            Look::plain(RECIPIENT_SIZE),
            AlignmentType::Left,
        ));
    }

    let mut right = Vec::new();
    if !signature.on_behalf.trim().is_empty() {
        right.push(centred(&signature.on_behalf, Look::bold(BODY_SIZE).caps()));
    }
    for line in signature.position.split('\n') {
        right.push(centred(line, Look::bold(BODY_SIZE).caps()));
    }
    for _ in 0..SIGNATURE_ROOM {
        right.push(Paragraph::new().size(BODY_SIZE));
    }
    right.push(centred(&signature.name, Look::bold(BODY_SIZE)));

    layout_table(vec![TableRow::new(vec![
        cell(LEFT_COLUMN, left),
        cell(RIGHT_COLUMN, right),
    ])])
}
