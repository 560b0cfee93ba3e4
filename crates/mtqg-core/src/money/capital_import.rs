//! Reading ledger events from a spreadsheet: finding the header row below titles and merged group headers,
//! skipping totals rows, and parsing every cell with a located problem when it is wrong.
//!
//! Amounts are in triệu đồng unless the amount column's header says "(đồng)" or "(tỷ đồng)"; numbers are written the
//! Vietnamese way ("1.234,5"; "1,234" is one point two three four, see [`crate::vi::parse_number`]).

use chrono::NaiveDate;

use super::{parse_amount, CapitalType, EventKind, MoneyUnit, Source};
use crate::import::{header_key, parse_optional_date, ColumnSpec, Columns, RowProblem};
use crate::vi;

pub(crate) const CAPITAL_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "kind",
        required: true,
        aliases: &["loai nghiep vu", "nghiep vu", "loai"],
    },
    ColumnSpec {
        key: "date",
        required: true,
        aliases: &["ngay", "ngay phat sinh", "ngay giai ngan"],
    },
    ColumnSpec {
        key: "plan year",
        required: true,
        aliases: &["nam ke hoach", "nam kh", "nam von"],
    },
    ColumnSpec {
        key: "amount",
        required: true,
        aliases: &["so tien"],
    },
    ColumnSpec {
        key: "source",
        required: true,
        aliases: &["nguon von", "nguon"],
    },
    ColumnSpec {
        key: "unit code",
        required: false,
        aliases: &["ma don vi", "ma dvhc"],
    },
    ColumnSpec {
        key: "project code",
        required: false,
        aliases: &["ma du an"],
    },
    ColumnSpec {
        key: "item code",
        required: false,
        aliases: &["ma chuong trinh", "ma noi dung", "ma muc"],
    },
    ColumnSpec {
        key: "capital type",
        required: false,
        aliases: &["loai von"],
    },
    ColumnSpec {
        key: "to unit code",
        required: false,
        aliases: &["don vi nhan", "ma don vi nhan"],
    },
    ColumnSpec {
        key: "to project code",
        required: false,
        aliases: &["du an nhan", "ma du an nhan"],
    },
    ColumnSpec {
        key: "legal basis",
        required: false,
        aliases: &["can cu", "quyet dinh", "so quyet dinh"],
    },
    ColumnSpec {
        key: "adjusts",
        required: false,
        aliases: &["dieu chinh cho", "dieu chinh nghiep vu"],
    },
    ColumnSpec {
        key: "deadline",
        required: false,
        aliases: &["han moi", "han giai ngan moi"],
    },
    ColumnSpec {
        key: "reason",
        required: false,
        aliases: &["ly do", "ghi chu"],
    },
    ColumnSpec {
        key: "stt",
        required: false,
        aliases: &["so thu tu", "tt"],
    },
];

/// How many rows above the header (titles, merged group headers) are looked through.
const MAX_ROWS_BEFORE_HEADER: usize = 10;

/// A parsed row of a capital file; codes are resolved against storage by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct CapitalRow {
    pub row: usize,
    pub kind: EventKind,
    pub date: NaiveDate,
    pub plan_year: i32,
    /// Whole đồng; negative only for adjustments.
    pub amount: i64,
    pub source: Source,
    pub unit_code: Option<String>,
    pub project_code: Option<String>,
    pub item_code: Option<String>,
    pub capital_type: Option<CapitalType>,
    pub to_unit_code: Option<String>,
    pub to_project_code: Option<String>,
    pub legal_basis: String,
    pub adjusts: Option<EventKind>,
    pub deadline: Option<NaiveDate>,
    pub reason: String,
}

enum State {
    Seeking { rows_seen: usize },
    Reading { columns: Columns, unit: MoneyUnit },
    Failed,
}

/// Reads a capital file row by row; the header may sit below title rows.
pub struct CapitalRowParser {
    state: State,
    rows: Vec<CapitalRow>,
    problems: Vec<RowProblem>,
    /// Rows skipped as totals ("Tổng cộng", "Cộng"), reported to the user.
    pub skipped_totals: Vec<usize>,
}

impl Default for CapitalRowParser {
    fn default() -> CapitalRowParser {
        CapitalRowParser::new()
    }
}

/// The money unit an amount header names: "Số tiền (đồng)", "(tỷ đồng)"; triệu đồng otherwise.
fn unit_of_header(header: &str) -> MoneyUnit {
    let folded = vi::fold(header);
    if folded.contains("ty") {
        MoneyUnit::Billion
    } else if folded.contains("trieu") || !folded.contains("dong") {
        MoneyUnit::Million
    } else {
        MoneyUnit::Dong
    }
}

/// Strips a unit note in brackets from a header: "Số tiền (triệu đồng)" → "Số tiền".
fn bare_header(header: &str) -> String {
    match header.split_once('(') {
        Some((head, _)) => head.trim().to_owned(),
        None => header.trim().to_owned(),
    }
}

impl CapitalRowParser {
    pub fn new() -> CapitalRowParser {
        CapitalRowParser {
            state: State::Seeking { rows_seen: 0 },
            rows: Vec::new(),
            problems: Vec::new(),
            skipped_totals: Vec::new(),
        }
    }

    /// Takes every row of the file in order, the first one included; `row` is its spreadsheet row number.
    pub fn push(&mut self, row: usize, cells: &[String]) {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return;
        }
        match &mut self.state {
            State::Failed => {}
            State::Seeking { rows_seen } => {
                *rows_seen += 1;
                let bare: Vec<String> = cells.iter().map(|cell| bare_header(cell)).collect();
                let known = bare
                    .iter()
                    .filter(|header| {
                        let key = header_key(header);
                        CAPITAL_COLUMNS
                            .iter()
                            .any(|spec| spec.key == key || spec.aliases.contains(&key.as_str()))
                    })
                    .count();
                if known >= 3 {
                    match Columns::resolve(&bare, CAPITAL_COLUMNS) {
                        Ok(columns) => {
                            let amount_header = columns.header("amount");
                            let unit = cells
                                .iter()
                                .find(|cell| bare_header(cell) == amount_header)
                                .map(|cell| unit_of_header(cell))
                                .unwrap_or_default();
                            self.state = State::Reading { columns, unit };
                        }
                        Err(problems) => {
                            self.problems
                                .extend(problems.into_iter().map(|mut problem| {
                                    problem.row = row;
                                    problem
                                }));
                            self.state = State::Failed;
                        }
                    }
                } else if *rows_seen >= MAX_ROWS_BEFORE_HEADER {
                    self.problems.push(RowProblem::new(
                        row,
                        None,
                        format!(
                            "không tìm thấy dòng tiêu đề trong {MAX_ROWS_BEFORE_HEADER} dòng đầu; cần các cột: {}",
                            CAPITAL_COLUMNS
                                .iter()
                                .filter(|spec| spec.required)
                                .map(|spec| spec.key.replace(' ', "_"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                    self.state = State::Failed;
                }
            }
            State::Reading { columns, unit } => {
                let first_text = cells
                    .iter()
                    .take(3)
                    .map(|cell| vi::fold(cell))
                    .find(|text| !text.is_empty());
                if first_text.is_some_and(|text| {
                    text.starts_with("tong cong")
                        || text == "cong"
                        || text.starts_with("tong so")
                        || text == "tong"
                }) {
                    self.skipped_totals.push(row);
                    return;
                }
                let unit = *unit;
                if let Some(parsed) = parse_row(columns, unit, row, cells, &mut self.problems) {
                    self.rows.push(parsed);
                }
            }
        }
    }

    /// The valid rows and every problem; a file whose header was never found is one problem.
    pub fn finish(mut self) -> (Vec<CapitalRow>, Vec<RowProblem>) {
        if let State::Seeking { .. } = self.state {
            self.problems.push(RowProblem::new(
                0,
                None,
                "không tìm thấy dòng tiêu đề (cần các cột kind, date, plan_year, amount, source)"
                    .to_owned(),
            ));
        }
        (self.rows, self.problems)
    }
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn parse_row(
    cols: &Columns,
    unit: MoneyUnit,
    row: usize,
    cells: &[String],
    problems: &mut Vec<RowProblem>,
) -> Option<CapitalRow> {
    let n_problems = problems.len();
    let mut problem = |key: &str, message: String| {
        problems.push(RowProblem::new(row, Some(&cols.header(key)), message))
    };
    let kind_text = cols.get(cells, "kind");
    let kind = EventKind::parse(kind_text);
    if kind.is_none() {
        problem(
            "kind",
            format!(
                "loại nghiệp vụ \"{kind_text}\" không hợp lệ; dùng: {}",
                EventKind::ALL.map(EventKind::label).join(", ")
            ),
        );
    }
    let date_text = cols.get(cells, "date");
    let mut date_problems = Vec::new();
    let date = parse_optional_date(date_text, row, cols.header("date"), &mut date_problems);
    if date_text.is_empty() {
        problem("date", "thiếu ngày".to_owned());
    }
    let year_text = cols.get(cells, "plan year");
    let plan_year = year_text
        .parse::<i32>()
        .ok()
        .filter(|year| (2000..=2100).contains(year));
    if plan_year.is_none() {
        problem(
            "plan year",
            format!("năm kế hoạch \"{year_text}\" không hợp lệ (ví dụ 2024)"),
        );
    }
    let amount_text = cols.get(cells, "amount");
    let amount = match parse_amount(amount_text, unit, kind == Some(EventKind::Adjustment)) {
        Ok(amount) => Some(amount),
        Err(message) => {
            problem("amount", message);
            None
        }
    };
    let source_text = cols.get(cells, "source");
    let source = Source::parse(source_text);
    if source.is_none() {
        problem(
            "source",
            format!(
                "nguồn vốn \"{source_text}\" không hợp lệ; dùng: {}",
                Source::ALL.map(Source::key).join(", ")
            ),
        );
    }
    let ctype_text = cols.get(cells, "capital type");
    let capital_type = match ctype_text {
        "" => None,
        text => {
            let parsed = CapitalType::parse(text);
            if parsed.is_none() {
                problem(
                    "capital type",
                    format!("loại vốn \"{text}\" không hợp lệ (ĐTPT hoặc sự nghiệp)"),
                );
            }
            parsed
        }
    };
    let adjusts_text = cols.get(cells, "adjusts");
    let adjusts = match adjusts_text {
        "" => None,
        text => {
            let parsed = EventKind::parse(text);
            if parsed.is_none() {
                problem(
                    "adjusts",
                    format!("nghiệp vụ được điều chỉnh \"{text}\" không hợp lệ"),
                );
            }
            parsed
        }
    };
    let deadline = parse_optional_date(
        cols.get(cells, "deadline"),
        row,
        cols.header("deadline"),
        &mut date_problems,
    );
    let unit_code = optional(cols.get(cells, "unit code"));
    let project_code = optional(cols.get(cells, "project code"));
    if unit_code.is_none() && project_code.is_none() {
        problem("unit code", "cần mã đơn vị hoặc mã dự án".to_owned());
    }
    problems.append(&mut date_problems);
    if problems.len() > n_problems {
        return None;
    }
    Some(CapitalRow {
        row,
        kind: kind?,
        date: date?,
        plan_year: plan_year?,
        amount: amount?,
        source: source?,
        unit_code,
        project_code,
        item_code: optional(cols.get(cells, "item code")),
        capital_type,
        to_unit_code: optional(cols.get(cells, "to unit code")),
        to_project_code: optional(cols.get(cells, "to project code")),
        legal_basis: vi::nfc(cols.get(cells, "legal basis")),
        adjusts,
        deadline,
        reason: vi::nfc(cols.get(cells, "reason")),
    })
}

/// The header of the import template, in its column order.
pub const TEMPLATE_HEADERS: [&str; 15] = [
    "stt",
    "kind",
    "date",
    "plan_year",
    "unit_code",
    "project_code",
    "item_code",
    "source",
    "capital_type",
    "amount (triệu đồng)",
    "to_unit_code",
    "to_project_code",
    "legal_basis",
    "adjusts",
    "reason",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(line: &str) -> Vec<String> {
        line.split(';').map(str::to_owned).collect()
    }

    fn parse(lines: &[&str]) -> (Vec<CapitalRow>, Vec<RowProblem>, Vec<usize>) {
        let mut parser = CapitalRowParser::new();
        for (i, line) in lines.iter().enumerate() {
            parser.push(i + 1, &cells(line));
        }
        let skipped = parser.skipped_totals.clone();
        let (rows, problems) = parser.finish();
        (rows, problems, skipped)
    }

    #[test]
    fn the_header_is_found_below_a_title_and_a_merged_group_header_and_totals_are_skipped() {
        let (rows, problems, skipped) = parse(&[
            "BÁO CÁO GIẢI NGÂN;;;;;;",
            ";Thông tin nghiệp vụ;;;;Số tiền;",
            "STT;Loại nghiệp vụ;Ngày;Năm kế hoạch;Mã đơn vị;Nguồn vốn;Số tiền (triệu đồng)",
            "1;Giải ngân;15/03/2024;2024;14848;NSTW;1.234,5",
            "2;Giao kế hoạch vốn năm;2024-01-10;2024;14848;NSĐP tỉnh;250",
            ";Tổng cộng;;;;;1.484,5",
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(skipped, [6]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].amount, 1_234_500_000);
        assert_eq!(rows[0].row, 4);
        assert_eq!(rows[1].kind, EventKind::AnnualPlan);
        assert_eq!(rows[1].source, Source::LocalProvince);
    }

    #[test]
    fn an_amount_column_in_dong_is_read_in_dong_and_fractions_of_a_dong_are_refused() {
        let (rows, problems, _) = parse(&[
            "kind;date;plan_year;unit_code;source;amount (đồng)",
            "giai ngan;2024-03-15;2024;14848;nstw;51.673",
            "giai ngan;2024-03-15;2024;14848;nstw;12,5",
        ]);
        assert_eq!(rows[0].amount, 51_673);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].row, problems[0].column.as_deref()),
            (3, Some("amount"))
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_its_row_and_column() {
        let (rows, problems, _) = parse(&[
            "kind;date;plan_year;unit_code;source;amount",
            "chi tiêu;31/02/2024;24;14848;ngân hàng;-5",
            "giai ngan;2024-03-15;2024;;nstw;5",
        ]);
        assert!(rows.is_empty());
        let located: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(
            located,
            [
                (2, Some("kind")),
                (2, Some("plan_year")),
                (2, Some("amount")),
                (2, Some("source")),
                (2, Some("date")),
                (3, Some("unit_code")),
            ]
        );
        assert!(problems[2].message.contains("âm"));
    }

    #[test]
    fn only_adjustments_may_be_negative() {
        let (rows, problems, _) = parse(&[
            "kind;date;plan_year;unit_code;source;amount;adjusts;reason",
            "dieu chinh;2024-06-01;2024;14848;nstw;-1.000;giao ke hoach von nam;Cắt giảm theo QĐ 5",
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows[0].amount, -1_000_000_000);
        assert_eq!(rows[0].adjusts, Some(EventKind::AnnualPlan));
    }

    #[test]
    fn a_file_without_a_recognisable_header_is_one_problem() {
        let (_, problems, _) = parse(&["a;b;c", "1;2;3"]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("không tìm thấy dòng tiêu đề"));
        let (_, problems, _) = parse(&["kind;date;plan_year;amount;source;mystery"]);
        assert_eq!(problems[0].column.as_deref(), Some("mystery"));
    }
}
