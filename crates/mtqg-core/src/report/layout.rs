//! What a generated report looks like, independent of the file format: a filled statutory form (`FilledForm`,
//! written to XLSX by `mtqg-xlsx`) and a narrative document in the NĐ 30/2020/NĐ-CP layout (`Document`, written to
//! DOCX by `mtqg-docx` and to print-ready HTML by the web). Builders live next to this module; writers only lay
//! out what they are given.

use chrono::NaiveDate;

/// A statutory form filled with one unit's figures for one period: a single sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledForm {
    /// The form's code, e.g. "HUYDONG"; also the sheet name (at most 31 characters).
    pub code: String,
    /// Top-left lines: the reporting body, e.g. ["UBND TỈNH LÀO CAI"].
    pub issuer: Vec<String>,
    /// Top-right label, e.g. "Biểu số 01".
    pub form_label: String,
    /// Centred title in capitals.
    pub title: String,
    /// Centred lines under the title: the period, the basis.
    pub subtitle: Vec<String>,
    /// Right-aligned above the table, e.g. "Đơn vị tính: triệu đồng".
    pub unit_note: String,
    /// Header rows of the table; cells may span rows and columns (merged in the file).
    pub header: Vec<Vec<HeaderCell>>,
    /// Column widths in characters, one per column.
    pub widths: Vec<f64>,
    pub body: Vec<FormRow>,
    /// Lines printed under the table (notes, sources, "cần đối chiếu văn bản gốc").
    pub notes: Vec<String>,
    /// Print on landscape A4.
    pub landscape: bool,
}

impl FilledForm {
    /// Number of table columns.
    pub fn n_columns(&self) -> usize {
        self.widths.len()
    }

    /// The body cell at a row whose first cell (the STT) or second cell (the label) equals `key`, in column `col`.
    pub fn cell(&self, key: &str, col: usize) -> Option<&FormCell> {
        self.body
            .iter()
            .find(|row| {
                row.cells
                    .iter()
                    .take(2)
                    .any(|cell| matches!(cell, FormCell::Text(text) if text == key))
            })
            .and_then(|row| row.cells.get(col))
    }
}

/// One header cell placed at `col` (0-based) in its header row, spanning `rows` × `cols` cells.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderCell {
    pub text: String,
    pub col: usize,
    pub rows: usize,
    pub cols: usize,
}

/// A body row; `bold` for totals and group rows.
#[derive(Debug, Clone, PartialEq)]
pub struct FormRow {
    pub cells: Vec<FormCell>,
    pub bold: bool,
}

/// A body cell. Numbers are written as numbers with a Vietnamese-looking number format, never as text.
#[derive(Debug, Clone, PartialEq)]
pub enum FormCell {
    Text(String),
    /// A number shown with `decimals` decimals (thousands grouped).
    Number {
        value: f64,
        decimals: u8,
    },
    /// A ratio (0.436) shown as a percentage with one decimal.
    Percent(f64),
    /// Nothing to show (no data, or not applicable).
    Empty,
}

/// A narrative administrative document (báo cáo) in the layout of NĐ 30/2020/NĐ-CP.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Top-left, above the issuing body, regular capitals; e.g. "UBND TỈNH LÀO CAI" for a department. Often empty.
    pub parent_body: Option<String>,
    /// Top-left issuing body in bold capitals, e.g. "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI" (lines split on '\n').
    pub issuer: String,
    /// "Số: 123/BC-UBND"; with no number, "Số:        /BC-UBND" is printed for the clerk to fill.
    pub number: String,
    /// The place name in "<place>, ngày … tháng … năm …".
    pub place: String,
    /// The signing date; `None` prints "ngày     tháng     năm <year>".
    pub date: Option<NaiveDate>,
    /// The year printed when `date` is `None`.
    pub year: i32,
    /// "BÁO CÁO".
    pub kind: String,
    /// The summary line under the kind (trích yếu), bold, centred.
    pub summary: String,
    /// Body blocks in order.
    pub blocks: Vec<Block>,
    /// "Nơi nhận:" lines, e.g. "- Ban Chỉ đạo Trung ương;".
    pub recipients: Vec<String>,
    pub signature: Signature,
}

/// A block of a document's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1: "I. KẾT QUẢ …" (bold capitals); level 2: "1. Vốn …" (bold); level 3: "a) …" (italic).
    Heading {
        level: u8,
        text: String,
    },
    /// A justified paragraph with a first-line indent.
    Paragraph(String),
    Table(Table),
}

/// A table in a document; `numeric[i]` right-aligns column i.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Right-aligned italic note above the table, e.g. "Đơn vị tính: triệu đồng".
    pub unit_note: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<bool>,
    /// Rows (by index) printed bold, e.g. the total.
    pub bold_rows: Vec<usize>,
}

/// The signature block at the bottom right.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// "TM. ỦY BAN NHÂN DÂN" (bold capitals); may be empty.
    pub on_behalf: String,
    /// "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" (bold capitals, lines split on '\n').
    pub position: String,
    /// The signer's name (bold), printed under room for the signature; may be empty for the draft.
    pub name: String,
}
