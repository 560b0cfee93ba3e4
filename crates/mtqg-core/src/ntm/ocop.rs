//! OCOP (One Commune One Product) scoring as data: the parts of the 100-point score with their maxima, the star tiers
//! and the product groups, read from a TOML file so a new decision is a new file.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::import::{parse_optional_date, ColumnSpec, Columns, RowProblem};
use crate::vi;

/// A part of the score (A, B, C).
#[derive(Debug, Clone, Deserialize)]
pub struct ScorePart {
    pub code: String,
    pub name: String,
    pub max: i64,
}

/// A star tier: products scoring at least `min` get `stars`.
#[derive(Debug, Clone, Deserialize)]
pub struct StarTier {
    pub stars: u8,
    pub min: i64,
}

/// A product group.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductGroup {
    pub code: String,
    pub name: String,
}

/// A scoring scale.
#[derive(Debug, Clone, Deserialize)]
pub struct OcopScale {
    pub legal_basis: String,
    #[serde(default)]
    pub verify: bool,
    pub parts: Vec<ScorePart>,
    pub tiers: Vec<StarTier>,
    pub groups: Vec<ProductGroup>,
}

impl OcopScale {
    /// Reads and validates a scale: three parts, tiers in increasing order within the total.
    pub fn from_toml(text: &str) -> Result<OcopScale, Vec<String>> {
        let scale: OcopScale = toml::from_str(text).map_err(|err| vec![err.to_string()])?;
        let mut problems = Vec::new();
        if scale.parts.len() != 3 {
            problems.push(format!(
                "cần đúng ba phần điểm (A, B, C), có {}",
                scale.parts.len()
            ));
        }
        if scale
            .parts
            .iter()
            .any(|part| !(1..=1000).contains(&part.max))
        {
            problems.push("mỗi phần điểm cần điểm tối đa từ 1 đến 1000".to_owned());
        }
        let total: i64 = scale.parts.iter().map(|part| part.max.clamp(0, 1000)).sum();
        if scale.tiers.is_empty() {
            problems.push("thiếu các hạng sao".to_owned());
        }
        for pair in scale.tiers.windows(2) {
            if pair[1].min <= pair[0].min || pair[1].stars <= pair[0].stars {
                problems.push("các hạng sao phải tăng dần".to_owned());
            }
        }
        if scale.tiers.iter().any(|tier| tier.min > total) {
            problems.push(format!("ngưỡng hạng sao vượt tổng điểm {total}"));
        }
        if problems.is_empty() {
            Ok(scale)
        } else {
            Err(problems)
        }
    }

    /// The stars of a product scored `a`, `b`, `c` (in the order of `parts`); `None` below the lowest tier; an error
    /// when a part is negative or above its maximum.
    pub fn stars(&self, a: i64, b: i64, c: i64) -> Result<Option<u8>, String> {
        for (part, score) in self.parts.iter().zip([a, b, c]) {
            if !(0..=part.max).contains(&score) {
                return Err(format!(
                    "điểm phần {} ({}) phải từ 0 đến {}, nhận {score}",
                    part.code, part.name, part.max
                ));
            }
        }
        let total = a + b + c;
        Ok(self
            .tiers
            .iter()
            .rev()
            .find(|tier| total >= tier.min)
            .map(|tier| tier.stars))
    }
}

/// The columns of an OCOP product list (one product per row), with the Vietnamese headers they accept.
const OCOP_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "code",
        required: true,
        aliases: &["ma san pham", "ma"],
    },
    ColumnSpec {
        key: "name",
        required: true,
        aliases: &["ten san pham", "san pham", "ten"],
    },
    ColumnSpec {
        key: "owner",
        required: true,
        aliases: &["chu the", "chu the san xuat"],
    },
    ColumnSpec {
        key: "commune code",
        required: true,
        aliases: &["ma xa", "ma don vi"],
    },
    ColumnSpec {
        key: "group",
        required: true,
        aliases: &["nhom", "nhom san pham", "product group"],
    },
    ColumnSpec {
        key: "score a",
        required: true,
        aliases: &["diem a", "phan a"],
    },
    ColumnSpec {
        key: "score b",
        required: true,
        aliases: &["diem b", "phan b"],
    },
    ColumnSpec {
        key: "score c",
        required: true,
        aliases: &["diem c", "phan c"],
    },
    ColumnSpec {
        key: "decision",
        required: true,
        aliases: &["quyet dinh", "so quyet dinh"],
    },
    ColumnSpec {
        key: "decided on",
        required: true,
        aliases: &["ngay quyet dinh", "ngay cong nhan"],
    },
];

/// A parsed row of an OCOP product list; the commune, the group and the stars are checked by the service (they
/// need the geography and the scale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcopRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub owner: String,
    pub commune_code: String,
    pub group: String,
    pub scores: [i64; 3],
    pub decision: String,
    pub decided_on: NaiveDate,
}

/// Reads an OCOP product list: the first row is the header.
pub struct OcopRowParser {
    columns: Columns,
    rows: Vec<OcopRow>,
    problems: Vec<RowProblem>,
}

impl OcopRowParser {
    /// Checks the header; every unknown, duplicate or missing column is reported.
    pub fn new(headers: &[String]) -> Result<OcopRowParser, Vec<RowProblem>> {
        Ok(OcopRowParser {
            columns: Columns::resolve(headers, OCOP_COLUMNS)?,
            rows: Vec::new(),
            problems: Vec::new(),
        })
    }

    /// Parses one data row; `row` is its spreadsheet row number. Empty rows are skipped.
    pub fn push(&mut self, row: usize, cells: &[String]) {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return;
        }
        let n_problems = self.problems.len();
        let cols = &self.columns;
        let mut text = |key: &str, what: &str| {
            let value = vi::nfc(cols.get(cells, key));
            if value.is_empty() {
                self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header(key)),
                    format!("thiếu {what}"),
                ));
            }
            value
        };
        let code = text("code", "mã sản phẩm");
        let name = text("name", "tên sản phẩm");
        let owner = text("owner", "chủ thể");
        let commune_code = text("commune code", "mã xã");
        let group = text("group", "nhóm sản phẩm");
        let decision = text("decision", "số quyết định");
        let mut scores = [0; 3];
        for (score, key) in scores.iter_mut().zip(["score a", "score b", "score c"]) {
            let cell = cols.get(cells, key);
            match cell.parse::<i64>() {
                Ok(value) if value >= 0 => *score = value,
                _ => self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header(key)),
                    format!("điểm \"{cell}\" phải là số nguyên không âm"),
                )),
            }
        }
        let decided_on = parse_optional_date(
            cols.get(cells, "decided on"),
            row,
            cols.header("decided on"),
            &mut self.problems,
        );
        if decided_on.is_none() && cols.get(cells, "decided on").is_empty() {
            self.problems.push(RowProblem::new(
                row,
                Some(&cols.header("decided on")),
                "thiếu ngày quyết định".to_owned(),
            ));
        }
        if self.problems.len() > n_problems {
            return;
        }
        let Some(decided_on) = decided_on else {
            return;
        };
        self.rows.push(OcopRow {
            row,
            code,
            name,
            owner,
            commune_code,
            group,
            scores,
            decision,
            decided_on,
        });
    }

    /// The valid rows and every problem, a code repeated within the file included.
    pub fn finish(mut self) -> (Vec<OcopRow>, Vec<RowProblem>) {
        let mut first_row: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for row in &self.rows {
            if let Some(first) = first_row.insert(&row.code, row.row) {
                self.problems.push(RowProblem::new(
                    row.row,
                    Some(&self.columns.header("code")),
                    format!("mã sản phẩm {} lặp lại (đã có ở dòng {first})", row.code),
                ));
                first_row.insert(&row.code, first);
            }
        }
        self.problems.sort_by_key(|problem| problem.row);
        (self.rows, self.problems)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scale_without_three_bounded_parts_is_refused() {
        // Found by the criteria_set fuzz target: one part with an i64::MAX maximum overflowed the total.
        let problems = super::OcopScale::from_toml(include_str!(
            "../../../../fuzz/corpus/criteria_set/fixed-repro-ocop-one-part-stars-overflow.toml"
        ))
        .unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("ba phần điểm")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("từ 1 đến 1000")),
            "{problems:?}"
        );
    }

    fn parse(lines: &[&str]) -> (Vec<OcopRow>, Vec<RowProblem>) {
        let split = |line: &str| line.split(';').map(str::to_owned).collect::<Vec<_>>();
        let mut parser = match OcopRowParser::new(&split(lines[0])) {
            Ok(parser) => parser,
            Err(problems) => return (Vec::new(), problems),
        };
        for (i, line) in lines[1..].iter().enumerate() {
            parser.push(i + 2, &split(line));
        }
        parser.finish()
    }

    const HEADER: &str = "Mã sản phẩm;Tên sản phẩm;Chủ thể;Mã xã;Nhóm;Điểm A;Điểm B;Điểm C;Số quyết định;Ngày quyết định";

    #[test]
    fn an_ocop_list_with_vietnamese_headers_is_read_row_by_row() {
        let (rows, problems) = parse(&[
            HEADER,
            "OCOP-38-001;Mật ong Tà Cóm;HTX Tam Chung;14848;thuc_pham;30;20;25;QĐ 12/QĐ-UBND;15/03/2024",
            ";;;;;;;;;",
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 1, "the empty row is skipped");
        assert_eq!(rows[0].scores, [30, 20, 25]);
        assert_eq!(
            rows[0].decided_on,
            NaiveDate::from_ymd_opt(2024, 3, 15).unwrap()
        );
    }

    #[test]
    fn every_bad_cell_and_a_repeated_code_are_reported_with_row_and_column() {
        let (rows, problems) = parse(&[
            HEADER,
            "OCOP-1;Chè;HTX;14848;thuc_pham;-3;20;x;QĐ 1;32/13/2024",
            "OCOP-2;Gạo;;14848;thuc_pham;30;20;25;QĐ 1;01/02/2024",
            "OCOP-3;Gạo;HTX;14848;thuc_pham;30;20;25;QĐ 1;01/02/2024",
            "OCOP-3;Gạo nếp;HTX;14848;thuc_pham;30;20;25;QĐ 1;01/02/2024",
        ]);
        let found: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (2, Some("Điểm A")),
                (2, Some("Điểm C")),
                (2, Some("Ngày quyết định")),
                (3, Some("Chủ thể")),
                (5, Some("Mã sản phẩm")),
            ]
        );
        assert!(problems[4].message.contains("dòng 4"), "{:?}", problems[4]);
        assert_eq!(
            rows.len(),
            2,
            "rows 4 and 5 parse; the repeat is a problem of the file"
        );
    }

    #[test]
    fn an_ocop_list_without_a_required_column_is_refused_at_the_header() {
        let (_, problems) = parse(&["Mã sản phẩm;Tên sản phẩm"]);
        assert!(
            problems.iter().any(|p| p.message.contains("owner")),
            "{problems:?}"
        );
    }

    use super::*;

    const SCALE: &str = include_str!("../../../../data/ntm/ocop-qd148-2023.toml");

    #[test]
    fn the_shipped_scale_loads_and_gives_stars_at_the_tier_boundaries() {
        let scale = OcopScale::from_toml(SCALE).expect("shipped scale is valid");
        assert_eq!(scale.stars(20, 10, 19), Ok(None), "49 points");
        assert_eq!(scale.stars(20, 10, 20), Ok(Some(3)), "50 points");
        assert_eq!(scale.stars(30, 20, 19), Ok(Some(3)), "69 points");
        assert_eq!(scale.stars(30, 20, 20), Ok(Some(4)), "70 points");
        assert_eq!(scale.stars(40, 25, 24), Ok(Some(4)), "89 points");
        assert_eq!(scale.stars(40, 25, 25), Ok(Some(5)), "90 points");
        assert_eq!(scale.stars(40, 25, 35), Ok(Some(5)), "100 points");
    }

    #[test]
    fn a_part_above_its_maximum_or_negative_is_refused() {
        let scale = OcopScale::from_toml(SCALE).expect("shipped scale is valid");
        assert!(scale.stars(41, 0, 0).unwrap_err().contains("từ 0 đến 40"));
        assert!(scale.stars(0, -1, 0).is_err());
    }

    #[test]
    fn tiers_out_of_order_are_refused() {
        let bad = SCALE.replace("min = 70", "min = 40");
        let problems = OcopScale::from_toml(&bad).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("tăng dần")),
            "{problems:?}"
        );
    }
}
