//! Shared by the fuzz targets: the shipped data they check against, the table recorder with its reader invariants,
//! and `run_importers`, which drives every import parser over one table the way `mtqg-service` does.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use chrono::NaiveDate;
use mtqg_core::geo::{GroupingCategory, Level, LineageKind, UnitCode, UnitId, Validity};
use mtqg_core::import::{
    detect_kind, plan_crosswalk_import, plan_grouping_import, plan_unit_import, CrosswalkRowParser,
    ExistingEdge, ExistingGrouping, ExistingMembership, ExistingUnit, ExistingVersion, GeoState,
    GroupingRowParser, ImportKind, RowProblem, UnitAttrs, UnitImportOptions, UnitRowParser,
};
use mtqg_core::money::{CapitalRowParser, EventKind};
use mtqg_core::ntm::ocop::{OcopRowParser, OcopScale};
use mtqg_core::ntm::{evaluate, CommuneInput, CriteriaSet, IndicatorKind, Outcome, Value};
use mtqg_core::poverty::import::{HouseholdParser, MemberParser};
use mtqg_core::poverty::{Class, ClassifyError, Household, Standard};
use mtqg_xlsx::{TableError, TableEvent, TableHead};

/// The shipped criteria sets, by file (the same texts the service loads).
pub const CRITERIA_SETS: &[&str] = &[
    include_str!("../../data/ntm/qd1980-2016-xa.toml"),
    include_str!("../../data/ntm/qd318-2022-xa.toml"),
    include_str!("../../data/ntm/qd318-2022-xa-nc.toml"),
    include_str!("../../data/ntm/qd320-2022-huyen.toml"),
    include_str!("../../data/ntm/qd51-2025-xa.toml"),
];

/// The shipped poverty standards.
pub const POVERTY_STANDARDS: &[&str] = &[
    include_str!("../../data/poverty/qd59-2015.toml"),
    include_str!("../../data/poverty/nd07-2021.toml"),
    include_str!("../../data/poverty/nd351-2025.toml"),
];

pub const OCOP_SCALE: &str = include_str!("../../data/ntm/ocop-qd148-2023.toml");

/// The sheet a member list is read from first (`mtqg_service::poverty::MEMBERS_SHEET`).
pub const MEMBERS_SHEET: &str = "Thành viên";

pub static SETS: LazyLock<Vec<CriteriaSet>> = LazyLock::new(|| {
    CRITERIA_SETS
        .iter()
        .map(|text| CriteriaSet::from_toml(text).expect("shipped criteria set loads"))
        .collect()
});

pub static STANDARDS: LazyLock<Vec<Standard>> = LazyLock::new(|| {
    POVERTY_STANDARDS
        .iter()
        .map(|text| Standard::from_toml(text).expect("shipped poverty standard loads"))
        .collect()
});

pub static SCALE: LazyLock<OcopScale> =
    LazyLock::new(|| OcopScale::from_toml(OCOP_SCALE).expect("shipped OCOP scale loads"));

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A few stored units (Thanh Hóa, Mường Lát before and after 1/7/2025) and one lineage edge, so unit, crosswalk and
/// grouping plans compare fuzzed rows with something.
static GEO: LazyLock<GeoState> = LazyLock::new(|| {
    let reform = day(2025, 7, 1);
    let unit =
        |id: i64, code: &str, level: Level, name: &str, kind: &str, parent: Option<&str>, to| {
            let validity = Validity { from: None, to };
            ExistingUnit {
                id: UnitId(id),
                code: UnitCode::parse(code).expect("valid code"),
                level,
                validity,
                versions: vec![ExistingVersion {
                    attrs: UnitAttrs {
                        name: format!("{kind} {name}"),
                        short_name: name.to_owned(),
                        unit_type: kind.to_owned(),
                        parent_code: parent.map(|code| UnitCode::parse(code).expect("valid code")),
                    },
                    validity,
                }],
            }
        };
    GeoState::new(
        vec![
            unit(1, "38", Level::Province, "Thanh Hóa", "Tỉnh", None, None),
            unit(
                2,
                "384",
                Level::District,
                "Mường Lát",
                "Huyện",
                Some("38"),
                Some(reform),
            ),
            unit(
                3,
                "14846",
                Level::Commune,
                "Mường Lát",
                "Thị trấn",
                Some("384"),
                Some(reform),
            ),
            unit(
                4,
                "14848",
                Level::Commune,
                "Tam Chung",
                "Xã",
                Some("384"),
                Some(reform),
            ),
            unit(
                5,
                "14846",
                Level::Commune,
                "Mường Lát",
                "Xã",
                Some("38"),
                None,
            ),
        ],
        vec![ExistingEdge {
            id: 1,
            from: UnitId(4),
            to: UnitId(5),
            date: reform,
            kind: LineageKind::Full,
            weight: None,
        }],
    )
});

/// What a reader handed its visitor.
#[derive(Debug, Default)]
pub struct Table {
    pub head: Option<TableHead>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Records one event, checking the reader's contract: the header comes once, first; rows only after it.
    pub fn record(&mut self, event: TableEvent<'_>) {
        match event {
            TableEvent::Head(head) => {
                assert!(self.head.is_none(), "a second header event");
                assert!(self.rows.is_empty(), "a header after rows");
                self.head = Some(head.clone());
            }
            TableEvent::Row(row, cells) => {
                assert!(self.head.is_some(), "a row before the header");
                assert!(row >= 1, "row numbers start at 1");
                self.rows.push((row, cells.to_vec()));
            }
        }
    }

    /// Checks a reader's result against what it handed over: success means a header was read, "empty" that none
    /// was, and every error prints.
    pub fn check_result(&self, res: &Result<(), TableError>) {
        match res {
            Ok(()) => assert!(self.head.is_some(), "read without error but no header"),
            Err(TableError::Empty) => assert!(self.head.is_none(), "\"empty\" after a header"),
            Err(err) => assert!(!err.to_string().is_empty()),
        }
    }

    fn data_rows(&self) -> BTreeSet<usize> {
        self.rows.iter().map(|(row, _)| *row).collect()
    }
}

/// Asserts that each problem names the file as a whole (0), the header (1) or a data row that was read, and prints.
fn check_problems(what: &str, problems: &[RowProblem], rows: &BTreeSet<usize>) {
    for problem in problems {
        assert!(
            problem.row <= 1 || rows.contains(&problem.row),
            "{what}: problem on row {} that was never read: {problem:?}",
            problem.row
        );
        assert!(!problem.message.is_empty(), "{what}: empty problem message");
    }
}

fn check_row(what: &str, row: usize, rows: &BTreeSet<usize>) {
    assert!(
        rows.contains(&row),
        "{what}: parsed row {row} was never read"
    );
}

/// Runs every import parser over the table as the service does (header, then rows), then the planning step that
/// follows each in the service, against a small stored state. Nothing may panic; parsed rows must come from rows
/// that were read and keep the invariants each parser promises.
pub fn run_importers(table: &Table) {
    let Some(head) = &table.head else { return };
    let headers = &head.headers;
    let rows = table.data_rows();
    geography(headers, table, &rows);
    capital(headers, table, &rows);
    households(headers, table, &rows);
    members(head, table, &rows);
    ocop(headers, table, &rows);
    assessments(headers, table);
}

fn geography(headers: &[String], table: &Table, rows: &BTreeSet<usize>) {
    let as_of = UnitImportOptions {
        as_of: Some(day(2025, 7, 1)),
        end_missing: true,
        end_note: Some("ngày kết thúc ước lượng".to_owned()),
    };
    match detect_kind(headers) {
        Some(ImportKind::Units) => {
            let Ok(mut parser) = UnitRowParser::new(headers) else {
                return;
            };
            for (row, cells) in &table.rows {
                parser.push(*row, cells);
            }
            let (units, problems) = parser.finish();
            check_problems("units", &problems, rows);
            for unit in &units {
                check_row("units", unit.row, rows);
            }
            for options in [as_of, UnitImportOptions::default()] {
                let plan = plan_unit_import(&units, &GEO, &options);
                check_problems("unit plan", &plan.problems, rows);
                let (new, changed, ended) = plan.counts();
                assert_eq!(new + changed + ended, plan.changes.len());
            }
        }
        Some(ImportKind::Crosswalk) => {
            let Ok(mut parser) = CrosswalkRowParser::new(headers) else {
                return;
            };
            for (row, cells) in &table.rows {
                parser.push(*row, cells);
            }
            let (edges, problems) = parser.finish();
            check_problems("crosswalk", &problems, rows);
            for edge in &edges {
                check_row("crosswalk", edge.row, rows);
                if let Some(weight) = edge.weight {
                    assert!(
                        weight.is_finite(),
                        "crosswalk weight {weight} on row {}",
                        edge.row
                    );
                }
            }
            let plan = plan_crosswalk_import(&edges, &GEO);
            check_problems("crosswalk plan", &plan.problems, rows);
        }
        Some(ImportKind::Groupings) => {
            let Ok(mut parser) = GroupingRowParser::new(headers) else {
                return;
            };
            for (row, cells) in &table.rows {
                parser.push(*row, cells);
            }
            let (memberships, problems) = parser.finish();
            check_problems("groupings", &problems, rows);
            for membership in &memberships {
                check_row("groupings", membership.row, rows);
            }
            let stored = [ExistingGrouping {
                id: 1,
                code: "VUNG7-DBSH".to_owned(),
                name: "Đồng bằng sông Hồng".to_owned(),
                category: GroupingCategory::NtmRegion,
            }];
            let stored_members = [ExistingMembership {
                grouping_id: 1,
                unit_id: UnitId(1),
                validity: Validity {
                    from: Some(day(2021, 1, 1)),
                    to: None,
                },
            }];
            let plan = plan_grouping_import(&memberships, &GEO, &stored, &stored_members);
            check_problems("grouping plan", &plan.problems, rows);
            for membership in &plan.new_memberships {
                check_row("grouping plan", membership.row, rows);
            }
        }
        None => {}
    }
}

fn capital(headers: &[String], table: &Table, rows: &BTreeSet<usize>) {
    let mut parser = CapitalRowParser::new();
    parser.push(1, headers);
    for (row, cells) in &table.rows {
        parser.push(*row, cells);
    }
    let skipped = parser.skipped_totals.clone();
    let (events, problems) = parser.finish();
    check_problems("capital", &problems, rows);
    for row in skipped {
        check_row("capital totals", row, rows);
    }
    for event in &events {
        check_row("capital", event.row, rows);
        assert_ne!(
            event.amount, 0,
            "capital row {}: zero amount accepted",
            event.row
        );
        assert!(
            event.amount > 0 || event.kind == EventKind::Adjustment,
            "capital row {}: negative amount accepted for {:?}",
            event.row,
            event.kind
        );
        assert!((2000..=2100).contains(&event.plan_year));
        assert!(event.unit_code.is_some() || event.project_code.is_some());
    }
}

fn households(headers: &[String], table: &Table, rows: &BTreeSet<usize>) {
    for standard in STANDARDS.iter() {
        let indicators: Vec<_> = standard.indicators().cloned().collect();
        let mut parser = HouseholdParser::new(headers, &indicators, 2025);
        let mut lines = Vec::new();
        for (row, cells) in &table.rows {
            if let Some(line) = parser.push(*row, cells) {
                lines.push(line);
            }
        }
        let codes = parser.indicator_codes();
        let answered = parser.answered();
        assert!(answered.iter().all(|code| codes.contains(code)));
        check_problems("households", parser.problems(), rows);
        // A file without problems is imported: each of its households has a code and a commune.
        let clean = parser.problems().is_empty();
        for line in lines {
            check_row("households", line.row, rows);
            if clean {
                assert!(!line.code.is_empty(), "household row {}: no code", line.row);
                assert!(
                    !line.commune_code.is_empty(),
                    "household row {}: no commune",
                    line.row
                );
            }
            // Then classified as `mtqg_service::poverty::classify_table` does.
            let review = line.review.clone().unwrap_or_default();
            let deprived: HashSet<String> = review.deprived_codes(&codes).cloned().collect();
            let household = Household {
                area: Some(line.area),
                income: review.income,
                score_a: review.score_a,
                deprived: deprived.clone(),
                answered: None,
            };
            match standard.classify(&household) {
                Ok(result) => {
                    assert!(result.deprived.iter().all(|code| deprived.contains(code)));
                    assert!(
                        result.unanswered.is_empty(),
                        "all indicators count as answered"
                    );
                    if standard.rules.is_empty() {
                        assert_eq!(result.class, Class::Other);
                    }
                }
                Err(ClassifyError::NoIncome) => {
                    assert!(review.income.is_none() && review.score_a.is_none())
                }
                Err(err) => panic!("household row {}: {err} with an area", line.row),
            }
        }
    }
}

fn members(head: &TableHead, table: &Table, rows: &BTreeSet<usize>) {
    let sheet = head.sheet.as_deref();
    let mut parser = MemberParser::new(sheet, &head.headers, 2025);
    let mut lines = Vec::new();
    for (row, cells) in &table.rows {
        lines.extend(parser.push(sheet, *row, cells));
    }
    let problems = parser.into_problems();
    check_problems("members", &problems, rows);
    for line in &lines {
        check_row("members", line.row, rows);
        if problems.is_empty() {
            assert!(
                !line.household_code.is_empty(),
                "member row {}: no household",
                line.row
            );
        }
    }
}

fn ocop(headers: &[String], table: &Table, rows: &BTreeSet<usize>) {
    let Ok(mut parser) = OcopRowParser::new(headers) else {
        return;
    };
    for (row, cells) in &table.rows {
        parser.push(*row, cells);
    }
    let (products, problems) = parser.finish();
    check_problems("ocop", &problems, rows);
    for product in &products {
        check_row("ocop", product.row, rows);
        assert!(product.scores.iter().all(|score| *score >= 0));
        let [a, b, c] = product.scores;
        if let Ok(Some(stars)) = SCALE.stars(a, b, c) {
            assert!(SCALE.tiers.iter().any(|tier| tier.stars == stars));
        }
    }
}

/// Header words of the fixed columns of an assessment table (`mtqg_service::ntm::fixed_column`).
fn fixed_column(header: &str) -> Option<&'static str> {
    match mtqg_core::vi::fold(header)
        .replace(['_', '-'], " ")
        .as_str()
    {
        "code" | "ma" | "ma xa" | "ma don vi" => Some("code"),
        "name" | "ten" | "ten xa" => Some("name"),
        "region" | "group" | "vung" | "nhom" | "nhom xa" | "key" => Some("key"),
        "flags" | "dac diem" | "co" => Some("flags"),
        "year" | "nam" | "nam danh gia" => Some("year"),
        _ => None,
    }
}

/// An assessment table evaluated against the shipped 2022 commune set, as `mtqg_service::ntm::evaluate_table` does.
fn assessments(headers: &[String], table: &Table) {
    let set = &SETS[1];
    let headers: Vec<String> = headers
        .iter()
        .map(|header| header.trim().to_owned())
        .collect();
    for (_, cells) in &table.rows {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut input = CommuneInput::default();
        let mut bad = false;
        for (header, cell) in headers.iter().zip(cells) {
            match fixed_column(header) {
                Some("key") => input.key = cell.trim().to_owned(),
                Some("flags") => {
                    input.flags = cell
                        .split([',', ';', ' '])
                        .filter(|flag| !flag.is_empty())
                        .map(|flag| mtqg_core::vi::fold(flag).replace(' ', "_"))
                        .collect()
                }
                Some("year") => match cell.trim().parse() {
                    Ok(year) => input.year = year,
                    Err(_) => bad = true,
                },
                Some(_) => {}
                None => {
                    let Some((_, indicator)) = set
                        .indicators()
                        .find(|(_, indicator)| indicator.code == *header)
                    else {
                        continue;
                    };
                    match Value::parse(indicator.kind, cell) {
                        Ok(Some(value)) => {
                            if let Value::Number(number) = value {
                                assert!(!number.is_nan(), "{cell:?} parsed as NaN");
                            }
                            input.values.insert(header.clone(), value);
                        }
                        Ok(None) => {}
                        Err(message) => {
                            assert!(!message.is_empty());
                            bad = true
                        }
                    }
                }
            }
        }
        if !bad {
            check_evaluation(set, &input);
        }
    }
}

/// Evaluates and checks the result's bookkeeping: one result per criterion and indicator, the counts, the gaps,
/// and outcomes that agree with the value and threshold.
pub fn check_evaluation(set: &CriteriaSet, input: &CommuneInput) {
    let Ok(evaluation) = evaluate(set, input) else {
        return;
    };
    assert_eq!(evaluation.set, set.code);
    assert_eq!(evaluation.criteria.len(), set.criteria.len());
    let mut n_met = 0;
    let mut n_gaps = 0;
    for (result, criterion) in evaluation.criteria.iter().zip(&set.criteria) {
        assert_eq!(result.code, criterion.code);
        assert_eq!(result.indicators.len(), criterion.indicators.len());
        let all = result
            .indicators
            .iter()
            .all(|one| one.outcome == Outcome::Met);
        assert_eq!(result.met, all, "criterion {}", criterion.code);
        n_met += usize::from(result.met);
        for (one, indicator) in result.indicators.iter().zip(&criterion.indicators) {
            assert_eq!(one.code, indicator.code);
            assert_eq!(one.value, input.values.get(&indicator.code).copied());
            match &one.outcome {
                Outcome::Missing => assert!(one.value.is_none()),
                Outcome::NoThreshold => {
                    assert!(one.threshold.is_none() && indicator.kind != IndicatorKind::PassFail)
                }
                Outcome::Met | Outcome::NotMet { .. } => assert!(one.value.is_some()),
            }
            if let Some(threshold) = one.threshold {
                assert!(indicator.thresholds.iter().any(|t| t.value == threshold));
            }
            if let Outcome::NotMet { gap: Some(gap) } = one.outcome {
                assert!(
                    gap > 0.0,
                    "indicator {} not met with gap {gap}",
                    indicator.code
                );
            }
            n_gaps += usize::from(one.outcome != Outcome::Met);
        }
    }
    assert_eq!(evaluation.n_met, n_met);
    assert_eq!(evaluation.all_met, n_met == set.criteria.len());
    assert_eq!(evaluation.gaps.len(), n_gaps);
}

/// Lines `#=name:value` of a fuzzed TOML text (comments to TOML): the values a target feeds the loaded data with,
/// so seeds carry them and mutations reach them.
pub fn directives(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("#="))
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
}
