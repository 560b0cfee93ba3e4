//! Pure validation and planning of geography imports: unit lists and lineage crosswalks.
//!
//! A file is read row by row into typed rows and a list of every problem (sheet, row, column, message),
//! then compared with the units already stored to give a plan (new, changed, ended units; new and changed
//! edges). Nothing here touches storage: the service applies a plan in one transaction, or not at all.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use crate::geo::{Level, LineageKind, UnitCode, UnitId, Validity};
use crate::vi;

mod groupings;

pub use groupings::{
    plan_grouping_import, ExistingGrouping, ExistingMembership, GroupingPlan, GroupingRef,
    GroupingRow, GroupingRowParser, NewGrouping, NewMembership,
};

/// One problem found in an imported file, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The worksheet, for XLSX files.
    pub sheet: Option<String>,
    /// The 1-based row number as a spreadsheet shows it (the header is row 1); 0 for the whole file.
    pub row: usize,
    /// The column header the problem is about, if any.
    pub column: Option<String>,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

impl RowProblem {
    pub fn new(row: usize, column: Option<&str>, message: String) -> RowProblem {
        RowProblem {
            sheet: None,
            row,
            column: column.map(str::to_owned),
            message,
        }
    }
}

/// What kind of list a file holds, recognised from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Units,
    Crosswalk,
    Groupings,
}

impl ImportKind {
    /// The key used in the API and the audit log.
    pub fn key(self) -> &'static str {
        match self {
            ImportKind::Units => "units",
            ImportKind::Crosswalk => "crosswalk",
            ImportKind::Groupings => "groupings",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Units => "danh sách đơn vị",
            ImportKind::Crosswalk => "bảng chuyển đổi",
            ImportKind::Groupings => "danh sách thành viên nhóm",
        }
    }
}

/// One column an import format knows, with the header spellings it accepts.
pub(crate) struct ColumnSpec {
    pub(crate) key: &'static str,
    pub(crate) required: bool,
    pub(crate) aliases: &'static [&'static str],
}

const UNIT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "code",
        required: true,
        aliases: &["ma", "ma don vi", "ma dvhc", "ma so"],
    },
    ColumnSpec {
        key: "name",
        required: true,
        aliases: &["ten", "ten don vi", "ten day du", "full name"],
    },
    ColumnSpec {
        key: "type",
        required: true,
        aliases: &["loai", "loai don vi", "unit type"],
    },
    ColumnSpec {
        key: "parent code",
        required: true,
        aliases: &["ma cha", "ma don vi cap tren", "parent"],
    },
    ColumnSpec {
        key: "short name",
        required: false,
        aliases: &["ten ngan", "ten rut gon"],
    },
    ColumnSpec {
        key: "level",
        required: false,
        aliases: &["cap"],
    },
    ColumnSpec {
        key: "valid from",
        required: false,
        aliases: &["hieu luc tu", "tu ngay"],
    },
    ColumnSpec {
        key: "valid to",
        required: false,
        aliases: &["hieu luc den", "den ngay"],
    },
];

const CROSSWALK_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "old code",
        required: true,
        aliases: &["ma cu", "ma don vi cu"],
    },
    ColumnSpec {
        key: "new code",
        required: true,
        aliases: &["ma moi", "ma don vi moi"],
    },
    ColumnSpec {
        key: "kind",
        required: true,
        aliases: &["hinh thuc", "loai sap nhap"],
    },
    ColumnSpec {
        key: "date",
        required: true,
        aliases: &["ngay hieu luc", "ngay"],
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
    ColumnSpec {
        key: "weight",
        required: false,
        aliases: &["ty trong", "trong so"],
    },
];

pub(crate) fn header_key(header: &str) -> String {
    vi::fold(header)
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Recognises the kind of a file from its header: `old_code` + `new_code` is a crosswalk, `grouping_code` +
/// `unit_code` a membership list, `code` + `name` a unit list.
pub fn detect_kind(headers: &[String]) -> Option<ImportKind> {
    let keys: Vec<String> = headers.iter().map(|header| header_key(header)).collect();
    let has = |specs: &[ColumnSpec], key: &str| {
        let spec = specs
            .iter()
            .find(|spec| spec.key == key)
            .expect("known column");
        keys.iter()
            .any(|k| k == spec.key || spec.aliases.contains(&k.as_str()))
    };
    if has(CROSSWALK_COLUMNS, "old code") && has(CROSSWALK_COLUMNS, "new code") {
        return Some(ImportKind::Crosswalk);
    }
    if has(groupings::GROUPING_COLUMNS, "grouping code")
        && has(groupings::GROUPING_COLUMNS, "unit code")
    {
        return Some(ImportKind::Groupings);
    }
    if has(UNIT_COLUMNS, "code") && has(UNIT_COLUMNS, "name") {
        return Some(ImportKind::Units);
    }
    None
}

/// Maps a file's headers to known columns, reporting unknown, duplicate and missing ones.
pub(crate) struct Columns {
    index: HashMap<&'static str, usize>,
    headers: Vec<String>,
}

impl Columns {
    pub(crate) fn resolve(
        headers: &[String],
        specs: &[ColumnSpec],
    ) -> Result<Columns, Vec<RowProblem>> {
        let mut index = HashMap::new();
        let mut problems = Vec::new();
        for (col_idx, header) in headers.iter().enumerate() {
            let key = header_key(header);
            if key.is_empty() {
                continue;
            }
            match specs
                .iter()
                .find(|spec| spec.key == key || spec.aliases.contains(&key.as_str()))
            {
                Some(spec) => {
                    if index.insert(spec.key, col_idx).is_some() {
                        problems.push(RowProblem::new(
                            1,
                            Some(header),
                            format!("cột \"{header}\" bị lặp lại"),
                        ));
                    }
                }
                None => problems.push(RowProblem::new(
                    1,
                    Some(header),
                    format!(
                        "cột \"{header}\" không được hỗ trợ; các cột hợp lệ: {}",
                        specs
                            .iter()
                            .map(|spec| spec.key.replace(' ', "_"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
        for spec in specs.iter().filter(|spec| spec.required) {
            if !index.contains_key(spec.key) {
                let name = spec.key.replace(' ', "_");
                problems.push(RowProblem::new(
                    1,
                    Some(&name),
                    format!("thiếu cột bắt buộc \"{name}\""),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Columns {
                index,
                headers: headers.to_vec(),
            })
        } else {
            Err(problems)
        }
    }

    pub(crate) fn get<'a>(&self, cells: &'a [String], key: &str) -> &'a str {
        match self.index.get(key) {
            Some(col_idx) => cells.get(*col_idx).map(|cell| cell.trim()).unwrap_or(""),
            None => "",
        }
    }

    pub(crate) fn header(&self, key: &str) -> String {
        match self.index.get(key) {
            Some(col_idx) => self.headers[*col_idx].clone(),
            None => key.replace(' ', "_"),
        }
    }
}

/// Name, type and parent of a unit: what a version holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAttrs {
    /// The full official name ("Huyện Mường Lát"), NFC.
    pub name: String,
    /// The name without the type ("Mường Lát").
    pub short_name: String,
    /// "Tỉnh", "Huyện", "Xã", "Phường", …
    pub unit_type: String,
    pub parent_code: Option<UnitCode>,
}

/// A valid row of a unit list.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub row: usize,
    pub code: UnitCode,
    pub level: Level,
    pub attrs: UnitAttrs,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// A valid row of a crosswalk.
#[derive(Debug, Clone, PartialEq)]
pub struct CrosswalkRow {
    pub row: usize,
    pub old_code: UnitCode,
    pub new_code: UnitCode,
    pub kind: LineageKind,
    pub date: NaiveDate,
    pub legal_basis: String,
    pub note: String,
    pub weight: Option<f64>,
}

/// Unit types by level; a unit list naming another type is rejected so typos do not become new types.
fn known_types(level: Level) -> &'static [&'static str] {
    match level {
        Level::Province => &["Tỉnh", "Thành phố trực thuộc trung ương", "Thành phố"],
        Level::District => &["Quận", "Huyện", "Thị xã", "Thành phố"],
        Level::Commune => &["Xã", "Phường", "Thị trấn", "Đặc khu"],
        Level::Village => &[],
    }
}

pub(crate) fn parse_optional_date(
    text: &str,
    row: usize,
    column: String,
    problems: &mut Vec<RowProblem>,
) -> Option<NaiveDate> {
    if text.is_empty() {
        return None;
    }
    let res = vi::parse_date(text);
    if res.is_none() {
        problems.push(RowProblem::new(
            row,
            Some(&column),
            format!("ngày \"{text}\" không hợp lệ (dùng dd/mm/yyyy hoặc yyyy-mm-dd)"),
        ));
    }
    res
}

/// Reads a unit list row by row. Rows are kept compact so a national file fits in little memory.
pub struct UnitRowParser {
    columns: Columns,
    rows: Vec<UnitRow>,
    problems: Vec<RowProblem>,
}

impl UnitRowParser {
    /// Checks the header; every unknown, duplicate or missing column is reported.
    pub fn new(headers: &[String]) -> Result<UnitRowParser, Vec<RowProblem>> {
        Ok(UnitRowParser {
            columns: Columns::resolve(headers, UNIT_COLUMNS)?,
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
        let code = match UnitCode::parse(cols.get(cells, "code")) {
            Ok(code) => Some(code),
            Err(message) => {
                self.problems
                    .push(RowProblem::new(row, Some(&cols.header("code")), message));
                None
            }
        };
        let name = vi::nfc(cols.get(cells, "name"));
        if name.is_empty() {
            self.problems.push(RowProblem::new(
                row,
                Some(&cols.header("name")),
                "tên đơn vị trống".to_owned(),
            ));
        }
        let level_text = cols.get(cells, "level");
        let level = match (level_text.is_empty(), code.as_ref()) {
            (false, _) => {
                let level = Level::parse(level_text);
                if level.is_none() {
                    self.problems.push(RowProblem::new(
                        row,
                        Some(&cols.header("level")),
                        format!("cấp \"{level_text}\" không hợp lệ (province, district, commune, village)"),
                    ));
                }
                level
            }
            (true, Some(code)) => {
                let level = code.implied_level();
                if level.is_none() {
                    self.problems.push(RowProblem::new(
                        row,
                        Some(&cols.header("level")),
                        format!("không suy ra được cấp từ mã \"{code}\"; hãy điền cột level"),
                    ));
                }
                level
            }
            (true, None) => None,
        };
        let unit_type = vi::nfc(cols.get(cells, "type"));
        if let Some(level) = level {
            let known = known_types(level);
            if unit_type.is_empty() {
                self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header("type")),
                    "loại đơn vị trống".to_owned(),
                ));
            } else if !known.is_empty()
                && !known.iter().any(|t| vi::fold(t) == vi::fold(&unit_type))
            {
                self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header("type")),
                    format!(
                        "loại \"{unit_type}\" không hợp lệ ở {}; dùng một trong: {}",
                        level.label().to_lowercase(),
                        known.join(", ")
                    ),
                ));
            }
        }
        let parent_text = cols.get(cells, "parent code");
        let parent_code = match parent_text {
            "" => None,
            text => match UnitCode::parse(text) {
                Ok(parent) => Some(parent),
                Err(message) => {
                    self.problems.push(RowProblem::new(
                        row,
                        Some(&cols.header("parent code")),
                        message,
                    ));
                    None
                }
            },
        };
        if parent_code.is_none()
            && parent_text.is_empty()
            && level.is_some_and(|level| level != Level::Province)
        {
            self.problems.push(RowProblem::new(
                row,
                Some(&cols.header("parent code")),
                "thiếu mã đơn vị cấp trên".to_owned(),
            ));
        }
        let valid_from = parse_optional_date(
            cols.get(cells, "valid from"),
            row,
            cols.header("valid from"),
            &mut self.problems,
        );
        let valid_to = parse_optional_date(
            cols.get(cells, "valid to"),
            row,
            cols.header("valid to"),
            &mut self.problems,
        );
        if let (Some(from), Some(to)) = (valid_from, valid_to) {
            if to <= from {
                self.problems.push(RowProblem::new(
                    row,
                    Some(&cols.header("valid to")),
                    "ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực".to_owned(),
                ));
            }
        }
        if self.problems.len() > n_problems {
            return;
        }
        let (Some(code), Some(level)) = (code, level) else {
            return;
        };
        let short_name = match vi::nfc(cols.get(cells, "short name")) {
            short if short.is_empty() => strip_type(&name, &unit_type),
            short => short,
        };
        self.rows.push(UnitRow {
            row,
            code,
            level,
            attrs: UnitAttrs {
                name,
                short_name,
                unit_type,
                parent_code,
            },
            valid_from,
            valid_to,
        });
    }

    /// The valid rows and every problem, after the checks that need the whole file:
    /// duplicate codes, overlapping intervals and parent cycles.
    pub fn finish(self) -> (Vec<UnitRow>, Vec<RowProblem>) {
        let UnitRowParser {
            columns,
            rows,
            mut problems,
        } = self;
        let mut by_code: HashMap<&UnitCode, Vec<&UnitRow>> = HashMap::new();
        for unit_row in &rows {
            by_code.entry(&unit_row.code).or_default().push(unit_row);
        }
        let mut bad_rows = HashSet::new();
        for same_code in by_code.values().filter(|same| same.len() > 1) {
            for (idx, first) in same_code.iter().enumerate() {
                for second in &same_code[idx + 1..] {
                    let a = Validity {
                        from: first.valid_from,
                        to: first.valid_to,
                    };
                    let b = Validity {
                        from: second.valid_from,
                        to: second.valid_to,
                    };
                    if !a.overlaps(&b) {
                        continue;
                    }
                    let message = if a == b {
                        format!("mã \"{}\" trùng với dòng {}", second.code, first.row)
                    } else {
                        format!(
                            "khoảng hiệu lực của mã \"{}\" chồng lấn với dòng {}",
                            second.code, first.row
                        )
                    };
                    let column = if a == b { "code" } else { "valid from" };
                    problems.push(RowProblem::new(
                        second.row,
                        Some(&columns.header(column)),
                        message,
                    ));
                    bad_rows.insert(second.row);
                }
            }
        }
        // Cycles: follow parent links inside the file; a walk that returns to a code it saw is a cycle.
        let parent_of: HashMap<&UnitCode, &UnitCode> = rows
            .iter()
            .filter_map(|unit_row| {
                unit_row
                    .attrs
                    .parent_code
                    .as_ref()
                    .map(|parent| (&unit_row.code, parent))
            })
            .collect();
        for unit_row in &rows {
            let mut seen = HashSet::from([&unit_row.code]);
            let mut current = &unit_row.code;
            while let Some(parent) = parent_of.get(current) {
                if !seen.insert(*parent) {
                    if *parent == &unit_row.code {
                        problems.push(RowProblem::new(
                            unit_row.row,
                            Some(&columns.header("parent code")),
                            format!(
                                "quan hệ cấp trên tạo thành vòng lặp qua mã \"{}\"",
                                unit_row.code
                            ),
                        ));
                        bad_rows.insert(unit_row.row);
                    }
                    break;
                }
                current = parent;
            }
        }
        let rows = rows
            .into_iter()
            .filter(|unit_row| !bad_rows.contains(&unit_row.row))
            .collect();
        (rows, problems)
    }
}

/// "Huyện Mường Lát" with type "Huyện" gives "Mường Lát"; a name not starting with its type is kept whole.
fn strip_type(name: &str, unit_type: &str) -> String {
    let candidates = [unit_type, "Thành phố"];
    for prefix in candidates {
        if let Some(rest) = name.strip_prefix(prefix) {
            if rest.starts_with(' ') {
                return rest.trim().to_owned();
            }
        }
    }
    name.to_owned()
}

/// Reads a crosswalk row by row.
pub struct CrosswalkRowParser {
    columns: Columns,
    rows: Vec<CrosswalkRow>,
    problems: Vec<RowProblem>,
}

impl CrosswalkRowParser {
    /// Checks the header; every unknown, duplicate or missing column is reported.
    pub fn new(headers: &[String]) -> Result<CrosswalkRowParser, Vec<RowProblem>> {
        Ok(CrosswalkRowParser {
            columns: Columns::resolve(headers, CROSSWALK_COLUMNS)?,
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
        let mut code = |key: &str| match UnitCode::parse(cols.get(cells, key)) {
            Ok(code) => Some(code),
            Err(message) => {
                self.problems
                    .push(RowProblem::new(row, Some(&cols.header(key)), message));
                None
            }
        };
        let old_code = code("old code");
        let new_code = code("new code");
        let kind_text = cols.get(cells, "kind");
        let kind = LineageKind::parse(kind_text);
        if kind.is_none() {
            self.problems.push(RowProblem::new(
                row,
                Some(&cols.header("kind")),
                format!(
                    "hình thức \"{kind_text}\" không hợp lệ (full/toàn bộ hoặc partial/một phần)"
                ),
            ));
        }
        let date_text = cols.get(cells, "date");
        let date = parse_optional_date(date_text, row, cols.header("date"), &mut self.problems);
        if date_text.is_empty() {
            self.problems.push(RowProblem::new(
                row,
                Some(&cols.header("date")),
                "thiếu ngày hiệu lực".to_owned(),
            ));
        }
        let weight_text = cols.get(cells, "weight");
        let weight = match weight_text {
            "" => None,
            text => match text.replace(',', ".").parse::<f64>() {
                Ok(weight) if (0.0..=1.0).contains(&weight) => Some(weight),
                _ => {
                    self.problems.push(RowProblem::new(
                        row,
                        Some(&cols.header("weight")),
                        format!("tỷ trọng \"{text}\" phải là số từ 0 đến 1"),
                    ));
                    None
                }
            },
        };
        if self.problems.len() > n_problems {
            return;
        }
        let (Some(old_code), Some(new_code), Some(kind), Some(date)) =
            (old_code, new_code, kind, date)
        else {
            return;
        };
        self.rows.push(CrosswalkRow {
            row,
            old_code,
            new_code,
            kind,
            date,
            legal_basis: vi::nfc(cols.get(cells, "legal basis")),
            note: vi::nfc(cols.get(cells, "note")),
            weight,
        });
    }

    /// The valid rows and every problem, including edges listed twice.
    pub fn finish(self) -> (Vec<CrosswalkRow>, Vec<RowProblem>) {
        let CrosswalkRowParser {
            columns,
            rows,
            mut problems,
        } = self;
        let mut seen: HashMap<(&UnitCode, &UnitCode, NaiveDate), usize> = HashMap::new();
        let mut bad_rows = HashSet::new();
        for edge in &rows {
            if let Some(first) = seen.insert((&edge.old_code, &edge.new_code, edge.date), edge.row)
            {
                problems.push(RowProblem::new(
                    edge.row,
                    Some(&columns.header("old code")),
                    format!(
                        "cặp {} → {} trùng với dòng {first}",
                        edge.old_code, edge.new_code
                    ),
                ));
                bad_rows.insert(edge.row);
            }
        }
        let rows = rows
            .into_iter()
            .filter(|edge| !bad_rows.contains(&edge.row))
            .collect();
        (rows, problems)
    }
}

/// A stored unit as the planner sees it.
#[derive(Debug, Clone)]
pub struct ExistingUnit {
    pub id: UnitId,
    pub code: UnitCode,
    pub level: Level,
    pub validity: Validity,
    /// Versions in date order; their intervals do not overlap.
    pub versions: Vec<ExistingVersion>,
}

/// A stored version of a unit.
#[derive(Debug, Clone)]
pub struct ExistingVersion {
    pub attrs: UnitAttrs,
    pub validity: Validity,
}

impl ExistingUnit {
    /// The version in force on `date`.
    pub fn version_at(&self, date: NaiveDate) -> Option<&ExistingVersion> {
        self.versions
            .iter()
            .find(|version| version.validity.contains(date))
    }
}

/// A stored lineage edge as the planner sees it.
#[derive(Debug, Clone)]
pub struct ExistingEdge {
    pub id: i64,
    pub from: UnitId,
    pub to: UnitId,
    pub date: NaiveDate,
    pub kind: LineageKind,
    pub weight: Option<f64>,
}

/// Everything stored that a plan is compared against.
#[derive(Debug, Default)]
pub struct GeoState {
    units: Vec<ExistingUnit>,
    by_code: HashMap<UnitCode, Vec<usize>>,
    edges: HashMap<(UnitId, UnitId, NaiveDate), ExistingEdge>,
}

impl GeoState {
    /// Builds the state from stored units and edges.
    pub fn new(units: Vec<ExistingUnit>, edges: Vec<ExistingEdge>) -> GeoState {
        let mut by_code: HashMap<UnitCode, Vec<usize>> = HashMap::new();
        for (idx, unit) in units.iter().enumerate() {
            by_code.entry(unit.code.clone()).or_default().push(idx);
        }
        let edges = edges
            .into_iter()
            .map(|edge| ((edge.from, edge.to, edge.date), edge))
            .collect();
        GeoState {
            units,
            by_code,
            edges,
        }
    }

    /// The unit with `code` valid on `date`.
    pub fn unit_at(&self, code: &UnitCode, date: NaiveDate) -> Option<&ExistingUnit> {
        self.with_code(code)
            .find(|unit| unit.validity.contains(date))
    }

    /// Every unit that ever had `code`.
    pub fn with_code<'a>(&'a self, code: &UnitCode) -> impl Iterator<Item = &'a ExistingUnit> + 'a {
        self.by_code
            .get(code)
            .into_iter()
            .flatten()
            .map(|idx| &self.units[*idx])
    }

    /// Number of stored units.
    pub fn n_units(&self) -> usize {
        self.units.len()
    }
}

/// Where a new or changed version's parent comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ParentRef {
    Existing(UnitId),
    /// A unit created earlier in the same plan.
    New(UnitCode),
}

/// One change a unit import makes.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitChange {
    New {
        code: UnitCode,
        level: Level,
        attrs: UnitAttrs,
        parent: Option<ParentRef>,
        validity: Validity,
    },
    Changed {
        id: UnitId,
        code: UnitCode,
        level: Level,
        before: UnitAttrs,
        after: UnitAttrs,
        parent: Option<ParentRef>,
        from: NaiveDate,
        /// When the new version stops: the start of a later stored version, or the unit's end.
        until: Option<NaiveDate>,
    },
    Ended {
        id: UnitId,
        code: UnitCode,
        level: Level,
        last: UnitAttrs,
        at: NaiveDate,
        note: Option<String>,
    },
}

/// Options of a unit import.
#[derive(Debug, Clone, Default)]
pub struct UnitImportOptions {
    /// The date the list describes; rows without `valid_from` take effect then. `None` means the list
    /// describes units whose start is unknown (only allowed for codes not stored yet).
    pub as_of: Option<NaiveDate>,
    /// Whether stored units missing from the list (under parents the list covers) end on `as_of`.
    pub end_missing: bool,
    /// Recorded on units the import ends, e.g. "ngày kết thúc ước lượng".
    pub end_note: Option<String>,
}

/// What an import would do, and what stops it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitImportPlan {
    pub changes: Vec<UnitChange>,
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
}

impl UnitImportPlan {
    /// Counts of new, changed and ended units.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for change in &self.changes {
            match change {
                UnitChange::New { .. } => counts.0 += 1,
                UnitChange::Changed { .. } => counts.1 += 1,
                UnitChange::Ended { .. } => counts.2 += 1,
            }
        }
        counts
    }
}

/// Compares a unit list with the stored units.
pub fn plan_unit_import(
    rows: &[UnitRow],
    state: &GeoState,
    options: &UnitImportOptions,
) -> UnitImportPlan {
    let mut plan = UnitImportPlan::default();
    let file_codes: HashMap<&UnitCode, Vec<&UnitRow>> =
        rows.iter().fold(HashMap::new(), |mut acc, unit_row| {
            acc.entry(&unit_row.code).or_default().push(unit_row);
            acc
        });
    let mut news = Vec::new();
    let mut changes = Vec::new();
    for unit_row in rows {
        let date = unit_row.valid_from.or(options.as_of);
        let problem =
            |message: String, column: &str| RowProblem::new(unit_row.row, Some(column), message);
        // Parent: in the file at the same date, or stored and valid on that date; always one level up.
        let parent = match &unit_row.attrs.parent_code {
            None => None,
            Some(parent_code) => {
                let in_file = file_codes.get(parent_code).and_then(|same| {
                    same.iter().find(|parent_row| {
                        let validity = Validity {
                            from: parent_row.valid_from.or(options.as_of),
                            to: parent_row.valid_to,
                        };
                        match date {
                            Some(date) => validity.contains(date),
                            None => parent_row.valid_from.is_none(),
                        }
                    })
                });
                let stored = date.and_then(|date| state.unit_at(parent_code, date));
                let (parent_level, parent_ref) = match (in_file, stored) {
                    (Some(parent_row), Some(stored)) => {
                        (parent_row.level, ParentRef::Existing(stored.id))
                    }
                    (Some(parent_row), None) => {
                        (parent_row.level, ParentRef::New(parent_code.clone()))
                    }
                    (None, Some(stored)) => (stored.level, ParentRef::Existing(stored.id)),
                    (None, None) => {
                        let when = date
                            .map(vi::format_date)
                            .unwrap_or_else(|| "ngày hiệu lực".to_owned());
                        plan.problems.push(problem(
                            format!("đơn vị cấp trên \"{parent_code}\" không tồn tại vào {when}"),
                            "parent_code",
                        ));
                        continue;
                    }
                };
                if parent_level >= unit_row.level {
                    plan.problems.push(problem(
                        format!(
                            "đơn vị cấp trên \"{parent_code}\" ({}) phải ở cấp cao hơn {}",
                            parent_level.label().to_lowercase(),
                            unit_row.level.label().to_lowercase()
                        ),
                        "parent_code",
                    ));
                    continue;
                }
                Some(parent_ref)
            }
        };
        let Some(date) = date else {
            // Unknown start: only a code never stored can be loaded this way.
            if state.with_code(&unit_row.code).next().is_some() {
                plan.problems.push(problem(
                    format!("mã \"{}\" đã có trong hệ thống; cần ngày hiệu lực (--as-of hoặc cột valid_from)", unit_row.code),
                    "valid_from",
                ));
                continue;
            }
            news.push(UnitChange::New {
                code: unit_row.code.clone(),
                level: unit_row.level,
                attrs: unit_row.attrs.clone(),
                parent,
                validity: Validity {
                    from: None,
                    to: unit_row.valid_to,
                },
            });
            continue;
        };
        let row_validity = Validity {
            from: Some(date),
            to: unit_row.valid_to,
        };
        match state.unit_at(&unit_row.code, date) {
            Some(stored) => {
                if stored.level != unit_row.level {
                    plan.problems.push(problem(
                        format!(
                            "mã \"{}\" đang là đơn vị {}, không thể đổi thành {}",
                            unit_row.code,
                            stored.level.label().to_lowercase(),
                            unit_row.level.label().to_lowercase()
                        ),
                        "level",
                    ));
                    continue;
                }
                let before = stored.version_at(date).map(|version| version.attrs.clone());
                match before {
                    Some(before) if before == unit_row.attrs => plan.unchanged += 1,
                    before => changes.push(UnitChange::Changed {
                        id: stored.id,
                        code: unit_row.code.clone(),
                        level: unit_row.level,
                        before: before.unwrap_or_else(|| unit_row.attrs.clone()),
                        after: unit_row.attrs.clone(),
                        parent,
                        from: date,
                        until: stored
                            .versions
                            .iter()
                            .filter_map(|version| version.validity.from)
                            .filter(|from| *from > date)
                            .min()
                            .or(stored.validity.to),
                    }),
                }
                if let Some(end) = unit_row.valid_to {
                    if stored.validity.to != Some(end) {
                        changes.push(UnitChange::Ended {
                            id: stored.id,
                            code: unit_row.code.clone(),
                            level: unit_row.level,
                            last: unit_row.attrs.clone(),
                            at: end,
                            note: None,
                        });
                    }
                }
            }
            None => {
                if let Some(clash) = state
                    .with_code(&unit_row.code)
                    .find(|unit| unit.validity.overlaps(&row_validity))
                {
                    let from = clash
                        .validity
                        .from
                        .map(vi::format_date)
                        .unwrap_or_else(|| "trước đây".to_owned());
                    plan.problems.push(problem(
                        format!("khoảng hiệu lực chồng lấn với đơn vị mã \"{}\" đã có (hiệu lực từ {from})", unit_row.code),
                        "valid_from",
                    ));
                    continue;
                }
                news.push(UnitChange::New {
                    code: unit_row.code.clone(),
                    level: unit_row.level,
                    attrs: unit_row.attrs.clone(),
                    parent,
                    validity: row_validity,
                });
            }
        }
    }
    let mut ended = Vec::new();
    if let (Some(as_of), true) = (options.as_of, options.end_missing) {
        let covered: HashSet<&UnitCode> = rows
            .iter()
            .flat_map(|unit_row| [Some(&unit_row.code), unit_row.attrs.parent_code.as_ref()])
            .flatten()
            .collect();
        let has_top = rows
            .iter()
            .any(|unit_row| unit_row.attrs.parent_code.is_none());
        let mut candidates: Vec<(&ExistingUnit, &ExistingVersion)> = state
            .units
            .iter()
            .filter(|unit| unit.validity.contains(as_of) && !file_codes.contains_key(&unit.code))
            .filter_map(|unit| unit.version_at(as_of).map(|version| (unit, version)))
            .collect();
        candidates.sort_by_key(|(unit, _)| unit.level);
        let mut ended_codes: HashSet<UnitCode> = HashSet::new();
        for (unit, version) in candidates {
            let ends = match &version.attrs.parent_code {
                None => has_top,
                Some(parent) => covered.contains(parent) || ended_codes.contains(parent),
            };
            if !ends {
                continue;
            }
            ended_codes.insert(unit.code.clone());
            ended.push(UnitChange::Ended {
                id: unit.id,
                code: unit.code.clone(),
                level: unit.level,
                last: version.attrs.clone(),
                at: as_of,
                note: options.end_note.clone(),
            });
        }
    }
    news.sort_by_key(|change| match change {
        UnitChange::New { level, .. } => *level,
        _ => Level::Village,
    });
    ended.reverse();
    plan.changes = news.into_iter().chain(changes).chain(ended).collect();
    plan
}

/// One change a crosswalk import makes.
#[derive(Debug, Clone, PartialEq)]
pub enum EdgeChange {
    New {
        from: UnitId,
        to: UnitId,
        row: CrosswalkRow,
    },
    Changed {
        id: i64,
        row: CrosswalkRow,
    },
}

/// What a crosswalk import would do, and what stops it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrosswalkPlan {
    pub changes: Vec<EdgeChange>,
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
}

/// Resolves crosswalk codes to stored units: the old unit must exist the day before the change, the new one on its date.
pub fn plan_crosswalk_import(rows: &[CrosswalkRow], state: &GeoState) -> CrosswalkPlan {
    let mut plan = CrosswalkPlan::default();
    for edge in rows {
        let day_before = edge.date.pred_opt().unwrap_or(edge.date);
        let old = state.unit_at(&edge.old_code, day_before);
        let new = state.unit_at(&edge.new_code, edge.date);
        if old.is_none() {
            plan.problems.push(RowProblem::new(
                edge.row,
                Some("old_code"),
                format!(
                    "không có đơn vị mã \"{}\" vào ngày {}",
                    edge.old_code,
                    vi::format_date(day_before)
                ),
            ));
        }
        if new.is_none() {
            plan.problems.push(RowProblem::new(
                edge.row,
                Some("new_code"),
                format!(
                    "không có đơn vị mã \"{}\" vào ngày {}",
                    edge.new_code,
                    vi::format_date(edge.date)
                ),
            ));
        }
        let (Some(old), Some(new)) = (old, new) else {
            continue;
        };
        match state.edges.get(&(old.id, new.id, edge.date)) {
            Some(stored) if stored.kind == edge.kind && stored.weight == edge.weight => {
                plan.unchanged += 1
            }
            Some(stored) => plan.changes.push(EdgeChange::Changed {
                id: stored.id,
                row: edge.clone(),
            }),
            None => plan.changes.push(EdgeChange::New {
                from: old.id,
                to: new.id,
                row: edge.clone(),
            }),
        }
    }
    plan
}

/// Groups problems by row for display; rows in order.
pub fn problems_by_row(problems: &[RowProblem]) -> BTreeMap<usize, Vec<&RowProblem>> {
    let mut res: BTreeMap<usize, Vec<&RowProblem>> = BTreeMap::new();
    for problem in problems {
        res.entry(problem.row).or_default().push(problem);
    }
    res
}
