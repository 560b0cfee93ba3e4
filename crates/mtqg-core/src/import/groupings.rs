//! Grouping membership lists: which units belong to which dated grouping (a region, a zone, the ĐBKK list, a
//! commune group), read row by row and planned against what is stored.
//!
//! One row is one membership: `grouping_code, grouping_name, category, unit_code, valid_from, valid_to,
//! legal_basis, note`. A grouping is created by its first row (name and category required then); later rows and
//! later files only add members. Within one category a unit belongs to one grouping at a time.

use std::collections::HashMap;

use super::{parse_optional_date, ColumnSpec, Columns, GeoState, RowProblem};
use crate::geo::{GroupingCategory, UnitCode, UnitId, Validity};
use crate::vi;

pub(super) const GROUPING_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "grouping code",
        required: true,
        aliases: &["ma nhom", "ma vung"],
    },
    ColumnSpec {
        key: "unit code",
        required: true,
        aliases: &["ma don vi", "ma dvhc"],
    },
    ColumnSpec {
        key: "grouping name",
        required: false,
        aliases: &["ten nhom", "ten vung"],
    },
    ColumnSpec {
        key: "category",
        required: false,
        aliases: &["loai nhom", "phan loai"],
    },
    ColumnSpec {
        key: "valid from",
        required: false,
        aliases: &["tu ngay", "hieu luc tu"],
    },
    ColumnSpec {
        key: "valid to",
        required: false,
        aliases: &["den ngay", "het hieu luc"],
    },
    ColumnSpec {
        key: "legal basis",
        required: false,
        aliases: &["can cu", "van ban"],
    },
    ColumnSpec {
        key: "note",
        required: false,
        aliases: &["ghi chu"],
    },
];

/// A valid row of a membership list.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingRow {
    pub row: usize,
    pub grouping_code: String,
    pub grouping_name: Option<String>,
    pub category: Option<GroupingCategory>,
    pub unit_code: UnitCode,
    pub validity: Validity,
    pub legal_basis: String,
    pub note: String,
}

/// Reads a membership list row by row.
pub struct GroupingRowParser {
    columns: Columns,
    rows: Vec<GroupingRow>,
    problems: Vec<RowProblem>,
}

impl GroupingRowParser {
    /// Checks the header; every unknown, duplicate or missing column is reported.
    pub fn new(headers: &[String]) -> Result<GroupingRowParser, Vec<RowProblem>> {
        Ok(GroupingRowParser {
            columns: Columns::resolve(headers, GROUPING_COLUMNS)?,
            rows: Vec::new(),
            problems: Vec::new(),
        })
    }

    /// Parses one data row; `row` is its spreadsheet row number.
    pub fn push(&mut self, row: usize, cells: &[String]) {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return;
        }
        let n_problems = self.problems.len();
        let cols = &self.columns;
        let grouping_code = cols.get(cells, "grouping code");
        if grouping_code.is_empty() || grouping_code.chars().count() > 40 {
            self.problems.push(RowProblem::new(
                row,
                Some(&cols.header("grouping code")),
                "mã nhóm phải có từ 1 đến 40 ký tự".to_owned(),
            ));
        }
        let unit_code = match UnitCode::parse(cols.get(cells, "unit code")) {
            Ok(code) => Some(code),
            Err(message) => {
                self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header("unit code")),
                    message,
                ));
                None
            }
        };
        let category_text = cols.get(cells, "category");
        let category = match category_text {
            "" => None,
            text => {
                let category = GroupingCategory::parse(text);
                if category.is_none() {
                    self.problems.push(RowProblem::new(
                        row,
                        Some(&cols.header("category")),
                        format!(
                            "loại nhóm \"{text}\" không hợp lệ; các loại: {}",
                            GroupingCategory::ALL.map(GroupingCategory::key).join(", ")
                        ),
                    ));
                }
                category
            }
        };
        let from = parse_optional_date(
            cols.get(cells, "valid from"),
            row,
            cols.header("valid from"),
            &mut self.problems,
        );
        let to = parse_optional_date(
            cols.get(cells, "valid to"),
            row,
            cols.header("valid to"),
            &mut self.problems,
        );
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header("valid to")),
                    format!(
                        "ngày kết thúc {} phải sau ngày bắt đầu {}",
                        vi::format_date(to),
                        vi::format_date(from)
                    ),
                ));
            }
        }
        if self.problems.len() > n_problems {
            return;
        }
        let Some(unit_code) = unit_code else { return };
        let name = vi::nfc(cols.get(cells, "grouping name"));
        self.rows.push(GroupingRow {
            row,
            grouping_code: grouping_code.to_owned(),
            grouping_name: (!name.is_empty()).then_some(name),
            category,
            unit_code,
            validity: Validity { from, to },
            legal_basis: vi::nfc(cols.get(cells, "legal basis")),
            note: vi::nfc(cols.get(cells, "note")),
        });
    }

    /// The valid rows and every problem found so far.
    pub fn finish(self) -> (Vec<GroupingRow>, Vec<RowProblem>) {
        (self.rows, self.problems)
    }
}

/// A stored grouping as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingGrouping {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: GroupingCategory,
}

/// A stored membership as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingMembership {
    pub grouping_id: i64,
    pub unit_id: UnitId,
    pub validity: Validity,
}

/// A grouping a plan creates.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGrouping {
    pub code: String,
    pub name: String,
    pub category: GroupingCategory,
    pub legal_basis: String,
    pub note: String,
}

/// Which grouping a new membership goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupingRef {
    Existing(i64),
    New(String),
}

/// A membership a plan adds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMembership {
    pub grouping: GroupingRef,
    pub unit_id: UnitId,
    pub validity: Validity,
    pub legal_basis: String,
    /// For reports: the row it came from and the unit's code.
    pub row: usize,
    pub unit_code: UnitCode,
}

/// A membership already accepted from the file: interval, grouping code, row.
type Accepted = (Validity, String, usize);

/// What a membership import would do, and what stops it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupingPlan {
    pub new_groupings: Vec<NewGrouping>,
    pub new_memberships: Vec<NewMembership>,
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
}

/// Resolves rows against the stored units and groupings. A unit is looked up on the membership's first day (or,
/// for an open start, on its last day or today's newest unit with the code). Memberships overlapping another one of
/// the same category for the same unit, in the file or in storage, are refused; a row equal to a stored membership
/// counts as unchanged.
pub fn plan_grouping_import(
    rows: &[GroupingRow],
    state: &GeoState,
    groupings: &[ExistingGrouping],
    memberships: &[ExistingMembership],
) -> GroupingPlan {
    let mut plan = GroupingPlan::default();
    let stored_by_code: HashMap<&str, &ExistingGrouping> =
        groupings.iter().map(|g| (g.code.as_str(), g)).collect();
    let category_of_id: HashMap<i64, GroupingCategory> =
        groupings.iter().map(|g| (g.id, g.category)).collect();
    // Category per grouping code, for new groupings as their first row defines them.
    let mut new_by_code: HashMap<String, (GroupingCategory, String)> = HashMap::new();
    // Accepted memberships per (category, unit): (validity, grouping code, row) to check overlaps within the file.
    let mut accepted: HashMap<(GroupingCategory, UnitId), Vec<Accepted>> = HashMap::new();
    for row in rows {
        let problem =
            |column: &str, message: String| RowProblem::new(row.row, Some(column), message);
        let (grouping, category) = match stored_by_code.get(row.grouping_code.as_str()) {
            Some(stored) => {
                if row
                    .category
                    .is_some_and(|category| category != stored.category)
                {
                    plan.problems.push(problem(
                        "category",
                        format!(
                            "nhóm \"{}\" đã có với loại {}, không thể đổi sang {}",
                            stored.code,
                            stored.category.key(),
                            row.category.map(GroupingCategory::key).unwrap_or_default()
                        ),
                    ));
                    continue;
                }
                (GroupingRef::Existing(stored.id), stored.category)
            }
            None => match new_by_code.get(&row.grouping_code) {
                Some((category, name)) => {
                    if row.category.is_some_and(|c| c != *category)
                        || row.grouping_name.as_ref().is_some_and(|n| n != name)
                    {
                        plan.problems.push(problem(
                            "grouping_code",
                            format!(
                                "nhóm \"{}\" được khai báo khác nhau giữa các dòng (tên hoặc loại)",
                                row.grouping_code
                            ),
                        ));
                        continue;
                    }
                    (GroupingRef::New(row.grouping_code.clone()), *category)
                }
                None => {
                    let (Some(category), Some(name)) = (row.category, row.grouping_name.clone())
                    else {
                        plan.problems.push(problem(
                            "grouping_name",
                            format!(
                                "nhóm \"{}\" chưa có: dòng đầu tiên của nhóm cần tên nhóm và loại nhóm",
                                row.grouping_code
                            ),
                        ));
                        continue;
                    };
                    new_by_code.insert(row.grouping_code.clone(), (category, name.clone()));
                    plan.new_groupings.push(NewGrouping {
                        code: row.grouping_code.clone(),
                        name,
                        category,
                        legal_basis: row.legal_basis.clone(),
                        note: row.note.clone(),
                    });
                    (GroupingRef::New(row.grouping_code.clone()), category)
                }
            },
        };
        let lookup_date = row
            .validity
            .from
            .or_else(|| row.validity.to.and_then(|to| to.pred_opt()));
        let unit = match lookup_date {
            Some(date) => state.unit_at(&row.unit_code, date),
            None => state
                .with_code(&row.unit_code)
                .max_by_key(|unit| unit.validity.from),
        };
        let Some(unit) = unit else {
            plan.problems.push(problem(
                "unit_code",
                match lookup_date {
                    Some(date) => format!(
                        "không có đơn vị mã \"{}\" vào ngày {}",
                        row.unit_code,
                        vi::format_date(date)
                    ),
                    None => format!("không có đơn vị mã \"{}\"", row.unit_code),
                },
            ));
            continue;
        };
        let same_stored = memberships.iter().find(|m| {
            GroupingRef::Existing(m.grouping_id) == grouping
                && m.unit_id == unit.id
                && m.validity == row.validity
        });
        if same_stored.is_some() {
            plan.unchanged += 1;
            continue;
        }
        let clash_stored = memberships.iter().find(|m| {
            m.unit_id == unit.id
                && category_of_id.get(&m.grouping_id) == Some(&category)
                && m.validity.overlaps(&row.validity)
        });
        if let Some(clash) = clash_stored {
            let other = groupings
                .iter()
                .find(|g| g.id == clash.grouping_id)
                .map(|g| g.code.as_str())
                .unwrap_or_default();
            plan.problems.push(problem(
                "valid_from",
                format!(
                    "đơn vị {} đã thuộc nhóm \"{other}\" cùng loại trong khoảng thời gian này",
                    row.unit_code
                ),
            ));
            continue;
        }
        let earlier = accepted.entry((category, unit.id)).or_default();
        if let Some((_, other, other_row)) = earlier
            .iter()
            .find(|(validity, _, _)| validity.overlaps(&row.validity))
        {
            plan.problems.push(problem(
                "valid_from",
                format!(
                    "đơn vị {} đã được xếp vào nhóm \"{other}\" cùng loại ở dòng {other_row} trong khoảng thời gian này",
                    row.unit_code
                ),
            ));
            continue;
        }
        earlier.push((row.validity, row.grouping_code.clone(), row.row));
        plan.new_memberships.push(NewMembership {
            grouping,
            unit_id: unit.id,
            validity: row.validity,
            legal_basis: row.legal_basis.clone(),
            row: row.row,
            unit_code: row.unit_code.clone(),
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::geo::Level;
    use crate::import::{ExistingUnit, ExistingVersion, UnitAttrs};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn state() -> GeoState {
        let unit = |id: i64, code: &str, to: Option<NaiveDate>| ExistingUnit {
            id: UnitId(id),
            code: UnitCode::parse(code).expect("valid code"),
            level: Level::Province,
            validity: Validity { from: None, to },
            versions: vec![ExistingVersion {
                attrs: UnitAttrs {
                    name: format!("Tỉnh {code}"),
                    short_name: code.to_owned(),
                    unit_type: "Tỉnh".to_owned(),
                    parent_code: None,
                },
                validity: Validity { from: None, to },
            }],
        };
        GeoState::new(
            vec![
                unit(1, "10", Some(day(2025, 7, 1))),
                unit(2, "15", Some(day(2025, 7, 1))),
                unit(3, "08", None),
            ],
            Vec::new(),
        )
    }

    fn parse(lines: &[&str]) -> (Vec<GroupingRow>, Vec<RowProblem>) {
        let split = |line: &str| line.split(',').map(str::to_owned).collect::<Vec<_>>();
        let mut parser = GroupingRowParser::new(&split(lines[0])).expect("header is valid");
        for (i, line) in lines[1..].iter().enumerate() {
            parser.push(i + 2, &split(line));
        }
        parser.finish()
    }

    const HEADER: &str = "grouping_code,grouping_name,category,unit_code,valid_from,valid_to";

    #[test]
    fn a_new_grouping_is_created_by_its_first_row_and_filled_by_the_rest() {
        let (rows, problems) = parse(&[
            HEADER,
            "TDMNPB,Trung du và miền núi phía Bắc,ntm_region,10,2021-01-01,2025-07-01",
            "TDMNPB,,,15,2021-01-01,2025-07-01",
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        let plan = plan_grouping_import(&rows, &state(), &[], &[]);
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
        assert_eq!(plan.new_groupings.len(), 1);
        assert_eq!(plan.new_groupings[0].category, GroupingCategory::NtmRegion);
        assert_eq!(plan.new_memberships.len(), 2);
        assert_eq!(plan.new_memberships[1].unit_id, UnitId(2));
    }

    #[test]
    fn a_new_grouping_without_name_or_category_is_refused() {
        let (rows, _) = parse(&[HEADER, "X,,ntm_region,10,2021-01-01,"]);
        let plan = plan_grouping_import(&rows, &state(), &[], &[]);
        assert_eq!(plan.problems.len(), 1);
        assert!(plan.problems[0]
            .message
            .contains("cần tên nhóm và loại nhóm"));
    }

    #[test]
    fn a_unit_in_two_groupings_of_one_category_at_once_is_refused_with_both_rows() {
        let (rows, _) = parse(&[
            HEADER,
            "A,Vùng A,ntm_region,10,2021-01-01,2025-07-01",
            "B,Vùng B,ntm_region,10,2024-01-01,2025-07-01",
            "C,Khu vực III,ethnic_zone,10,2021-01-01,2025-07-01",
        ]);
        let plan = plan_grouping_import(&rows, &state(), &[], &[]);
        assert_eq!(
            plan.problems.len(),
            1,
            "another category is allowed: {:?}",
            plan.problems
        );
        assert_eq!(plan.problems[0].row, 3);
        assert!(plan.problems[0].message.contains("dòng 2"));
    }

    #[test]
    fn a_membership_overlapping_a_stored_one_is_refused_and_an_equal_one_is_unchanged() {
        let stored = [ExistingGrouping {
            id: 7,
            code: "A".to_owned(),
            name: "Vùng A".to_owned(),
            category: GroupingCategory::NtmRegion,
        }];
        let memberships = [ExistingMembership {
            grouping_id: 7,
            unit_id: UnitId(1),
            validity: Validity {
                from: Some(day(2021, 1, 1)),
                to: Some(day(2025, 7, 1)),
            },
        }];
        let (rows, _) = parse(&[
            HEADER,
            "A,,,10,2021-01-01,2025-07-01",
            "B,Vùng B,ntm_region,10,2022-01-01,",
        ]);
        let plan = plan_grouping_import(&rows, &state(), &stored, &memberships);
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.problems.len(), 1);
        assert!(plan.problems[0].message.contains("đã thuộc nhóm \"A\""));
    }

    #[test]
    fn a_unit_missing_on_the_start_date_and_bad_cells_are_reported_by_row_and_column() {
        let (rows, problems) = parse(&[
            HEADER,
            "A,Vùng A,vung_la,10,2021-01-01,",
            "A,Vùng A,ntm_region,10,31/02/2021,",
            "A,Vùng A,ntm_region,10,2025-01-01,2024-01-01",
            "A,Vùng A,ntm_region,10,2025-08-01,",
        ]);
        let columns: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(
            columns,
            [
                (2, Some("category")),
                (3, Some("valid_from")),
                (4, Some("valid_to"))
            ]
        );
        let plan = plan_grouping_import(&rows, &state(), &[], &[]);
        assert_eq!(plan.problems.len(), 1);
        assert_eq!(plan.problems[0].row, 5);
        assert!(
            plan.problems[0].message.contains("01/8/2025")
                || plan.problems[0].message.contains("2025")
        );
    }
}
