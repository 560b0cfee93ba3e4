//! Poverty use cases: standards (shipped and loaded), the stateless classification of a table, and the import of
//! household lists with their review results into the register and the open review lists (DOMAIN.md §6).
//! Review lists, freezing and statistics are in `poverty_lists.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use mtqg_core::access::Permission;
use mtqg_core::geo::Level;
use mtqg_core::import::RowProblem;
use mtqg_core::poverty::import::{HouseholdLine, HouseholdParser, MemberLine, MemberParser};
use mtqg_core::poverty::{Area, Class, Household, Standard};
use mtqg_store::{
    HouseholdKey, HouseholdRow, ListRow, MemberRow, NewPovertyList, PovertyStandardRecord,
    StoreError,
};
use mtqg_xlsx::TableEvent;

use crate::geography::TableSource;
use crate::{Actor, Service, ServiceError};

/// The standards shipped with the product: code and TOML (format in data/poverty/README.md).
pub const SHIPPED_STANDARDS: &[(&str, &str)] = &[
    (
        "QD59-2015",
        include_str!("../../../data/poverty/qd59-2015.toml"),
    ),
    (
        "ND07-2021",
        include_str!("../../../data/poverty/nd07-2021.toml"),
    ),
    (
        "ND351-2025",
        include_str!("../../../data/poverty/nd351-2025.toml"),
    ),
];

/// Rows per write in an import.
const WRITE_CHUNK: usize = 8_192;

/// Problems listed in a report; the count says how many there were in all.
const MAX_PROBLEMS: usize = 500;

/// A shipped standard by code, or a standard file's text (a local standard is completed from its shipped parent).
pub fn load_standard(code_or_text: &str) -> Result<Standard, Vec<String>> {
    let shipped = |code: &str| {
        SHIPPED_STANDARDS
            .iter()
            .find(|(shipped, _)| shipped.eq_ignore_ascii_case(code.trim()))
            .map(|(_, text)| *text)
    };
    let standard = Standard::from_toml(shipped(code_or_text).unwrap_or(code_or_text))?;
    match standard.parent.clone() {
        None => Ok(standard),
        Some(parent) => {
            let text = shipped(&parent)
                .ok_or_else(|| vec![format!("không có chuẩn quốc gia {parent} để kế thừa")])?;
            Standard::specialise(&standard, &Standard::from_toml(text)?)
        }
    }
}

/// The standard a commune's review of `year` is classified under: the province's local standard when one applies,
/// else the national one.
pub fn standard_for<'a>(
    standards: &'a [Standard],
    province_code: Option<&str>,
    year: i32,
) -> Option<&'a Standard> {
    let applies = |standard: &&Standard| standard.applies_to(year);
    standards
        .iter()
        .filter(applies)
        .find(|standard| {
            standard.province.is_some() && standard.province.as_deref() == province_code
        })
        .or_else(|| {
            standards
                .iter()
                .filter(applies)
                .find(|standard| standard.province.is_none())
        })
}

/// What loading a standard found and did.
#[derive(Debug, Clone, Default)]
pub struct StandardReport {
    pub code: String,
    pub name: String,
    pub n_indicators: usize,
    pub verify: bool,
    pub problems: Vec<String>,
    pub applied: bool,
}

fn record_of(standard: &Standard, source: &str) -> PovertyStandardRecord {
    PovertyStandardRecord {
        code: standard.code.clone(),
        name: standard.name.clone(),
        legal_basis: standard.legal_basis.clone(),
        first_year: i64::from(standard.first_year),
        last_year: i64::from(standard.last_year),
        parent_code: standard.parent.clone(),
        province_code: standard.province.clone(),
        verify: standard.verify,
        source: source.to_owned(),
    }
}

/// Progress of a long import, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// "đọc tệp", "kiểm tra", "ghi".
    pub phase: &'static str,
    pub done: usize,
    pub total: Option<usize>,
}

/// The worksheet of a household workbook that holds the members.
pub const MEMBERS_SHEET: &str = "Thành viên";

/// What a member import found and did.
#[derive(Debug, Clone, Default)]
pub struct MemberImportReport {
    pub n_rows: usize,
    pub n_households: usize,
    pub problems: Vec<RowProblem>,
    pub n_problems: usize,
    pub applied: bool,
}

/// How to run a household import.
#[derive(Debug, Clone)]
pub struct HouseholdImportOptions {
    /// The review year the results belong to.
    pub year: i32,
    /// "annual" (rà soát định kỳ) or "adhoc" (rà soát thường xuyên).
    pub kind: String,
    pub dry_run: bool,
}

/// What an import found and did.
#[derive(Debug, Clone, Default)]
pub struct HouseholdImportReport {
    pub file_name: String,
    pub n_rows: usize,
    pub n_new: usize,
    pub n_updated: usize,
    pub n_communes: usize,
    /// Households by class: poor, near-poor, average, other (review files only).
    pub by_class: [usize; 4],
    pub has_review: bool,
    /// The lists written (or that would be): commune code, commune name, list id (0 in a dry run for a new list).
    pub lists: Vec<(String, String, i64)>,
    pub problems: Vec<RowProblem>,
    pub n_problems: usize,
    pub applied: bool,
}

fn problem(row: usize, column: Option<&str>, message: String) -> RowProblem {
    RowProblem {
        sheet: None,
        row,
        column: column.map(str::to_owned),
        message,
    }
}

/// The day a review of `year` sees the geography on: the last day of the year, or today for the current year.
pub fn review_day(year: i32) -> NaiveDate {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    end.min(chrono::Utc::now().date_naive())
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "adhoc" => "rà soát thường xuyên",
        _ => "rà soát định kỳ",
    }
}

/// Whether an ended commune lay, on its last day, in the province that holds `commune_id` on `day` (the province
/// itself, or the one it was carried into).
fn same_province(
    atlas: &mtqg_core::atlas::Atlas,
    ended: i64,
    commune_id: i64,
    day: NaiveDate,
) -> bool {
    let Some(last) = atlas
        .stored(ended)
        .and_then(|unit| unit.validity.to)
        .and_then(|to| to.pred_opt())
    else {
        return false;
    };
    let old_province = atlas.chain_up(ended, last).last().copied();
    let new_province = atlas.chain_up(commune_id, day).last().copied();
    match (old_province, new_province) {
        (Some(old), Some(new)) => atlas.carried_to(old, day) == Some(new),
        _ => false,
    }
}

/// Classifies a stored row under `standard` (a what-if when it is another standard than the list's);
/// `list_indicators` are the codes of the list's own standard, which an empty `answered` stands for.
pub(crate) fn classify_row(
    standard: &Standard,
    row: &ListRow,
    list_indicators: &[String],
) -> Result<mtqg_core::poverty::Classification, mtqg_core::poverty::ClassifyError> {
    standard.classify_with(
        Some(if row.area == "urban" {
            Area::Urban
        } else {
            Area::Rural
        }),
        row.income,
        row.score_a,
        |code| split_codes(&row.deprived).any(|c| c == code),
        |code| {
            if row.answered.is_empty() {
                list_indicators.iter().any(|c| c == code)
            } else {
                split_codes(&row.answered).any(|c| c == code)
            }
        },
    )
}

/// The indicator codes of a standard, in its order.
pub(crate) fn indicator_codes(standard: &Standard) -> Vec<String> {
    standard.indicators().map(|i| i.code.clone()).collect()
}

/// Classifies a read row under `standard`; `codes` are the parser's indicator codes (the bits of the answers).
fn classify_line(
    standard: &Standard,
    line: &HouseholdLine,
    codes: &[String],
) -> Result<mtqg_core::poverty::Classification, mtqg_core::poverty::ClassifyError> {
    let review = line.review.as_ref();
    let mask = review.map_or(0, |r| r.deprived);
    standard.classify_with(
        Some(line.area),
        review.and_then(|r| r.income),
        review.and_then(|r| r.score_a),
        |code| {
            codes
                .iter()
                .position(|c| c == code)
                .is_some_and(|idx| idx < 64 && mask & (1 << idx) != 0)
        },
        |_| true,
    )
}

pub(crate) fn split_codes(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').filter(|code| !code.is_empty())
}

impl Service {
    /// Loads the shipped standards that are not stored yet. Returns how many were loaded.
    pub async fn load_shipped_poverty_standards(&self) -> Result<usize, ServiceError> {
        let stored = self.store().poverty_standards().await?;
        let mut tx = self.store().begin().await?;
        let mut n = 0;
        for (code, text) in SHIPPED_STANDARDS {
            if stored.iter().any(|standard| standard.code == *code) {
                continue;
            }
            let standard = Standard::from_toml(text).map_err(|problems| {
                ServiceError::Other(anyhow::anyhow!(
                    "shipped standard {code}: {}",
                    problems.join("; ")
                ))
            })?;
            tx.upsert_poverty_standard(&record_of(&standard, text), None)
                .await?;
            n += 1;
        }
        if n > 0 {
            let mut entry =
                Actor::system().audit("poverty.seed", "poverty_standards", "shipped".to_owned());
            entry.after = Some(serde_json::json!({ "standards": n }));
            tx.append_audit(entry).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Loads a standard or a province's local standard from TOML: validated whole (a local one against its
    /// stored parent), then stored with its source unless `dry_run`.
    pub async fn load_poverty_standard(
        &self,
        actor: &Actor,
        file_name: &str,
        text: &str,
        dry_run: bool,
    ) -> Result<StandardReport, ServiceError> {
        actor.require(Permission::SetPovertyTargets)?;
        let mut report = StandardReport::default();
        let parsed = match Standard::from_toml(text) {
            Ok(standard) => standard,
            Err(problems) => {
                report.problems = problems
                    .into_iter()
                    .map(|p| format!("{file_name}: {p}"))
                    .collect();
                return Ok(report);
            }
        };
        let standard = match &parsed.parent {
            None => Ok(parsed.clone()),
            Some(parent) => match self.poverty_standard(parent).await {
                Ok(parent) => Standard::specialise(&parsed, &parent),
                Err(_) => Err(vec![format!("chưa có chuẩn {parent} để kế thừa")]),
            },
        };
        let standard = match standard {
            Ok(standard) => standard,
            Err(problems) => {
                report.problems = problems
                    .into_iter()
                    .map(|p| format!("{file_name}: {p}"))
                    .collect();
                return Ok(report);
            }
        };
        if let Some(province) = &standard.province {
            let today = chrono::Utc::now().date_naive();
            let atlas = self.atlas().await?;
            let known = atlas
                .units_with_code(province)
                .iter()
                .any(|unit| unit.level == Level::Province);
            if !known {
                report
                    .problems
                    .push(format!("{file_name}: không có tỉnh mã {province}"));
                return Ok(report);
            }
            if let Some(unit) = atlas.unit_by_code(province, today) {
                self.require_scope(actor, unit.id).await?;
            }
        }
        report.code = standard.code.clone();
        report.name = standard.name.clone();
        report.n_indicators = standard.indicators().count();
        report.verify = standard.verify;
        if dry_run {
            return Ok(report);
        }
        let mut tx = self.store().begin().await?;
        tx.upsert_poverty_standard(&record_of(&parsed, text), actor.user_id)
            .await?;
        let mut entry = actor.audit(
            "poverty.standard.load",
            "poverty_standards",
            standard.code.clone(),
        );
        entry.after = Some(serde_json::json!({ "file": file_name, "name": standard.name }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        report.applied = true;
        Ok(report)
    }

    /// The stored standards.
    pub async fn poverty_standards(
        &self,
        actor: &Actor,
    ) -> Result<Vec<PovertyStandardRecord>, ServiceError> {
        actor.require(Permission::ReadPoverty)?;
        Ok(self.store().poverty_standards().await?)
    }

    /// Every stored standard, parsed, local ones completed from their parents.
    pub(crate) async fn parsed_standards(&self) -> Result<Vec<Standard>, ServiceError> {
        let records = self.store().poverty_standards().await?;
        let mut national: HashMap<String, Standard> = HashMap::new();
        let mut res = Vec::new();
        for record in records.iter().filter(|record| record.parent_code.is_none()) {
            let standard = Standard::from_toml(&record.source).map_err(|problems| {
                anyhow::anyhow!("stored standard {}: {}", record.code, problems.join("; "))
            })?;
            national.insert(standard.code.clone(), standard.clone());
            res.push(standard);
        }
        for record in records.iter().filter(|record| record.parent_code.is_some()) {
            let local = Standard::from_toml(&record.source).map_err(|problems| {
                anyhow::anyhow!("stored standard {}: {}", record.code, problems.join("; "))
            })?;
            let parent = record
                .parent_code
                .as_ref()
                .and_then(|code| national.get(code))
                .ok_or_else(|| {
                    anyhow::anyhow!("stored standard {} lacks its parent", record.code)
                })?;
            let standard = Standard::specialise(&local, parent).map_err(|problems| {
                anyhow::anyhow!("stored standard {}: {}", record.code, problems.join("; "))
            })?;
            res.push(standard);
        }
        Ok(res)
    }

    /// One stored standard, parsed.
    pub async fn poverty_standard(&self, code: &str) -> Result<Standard, ServiceError> {
        let not_found = || ServiceError::NotFound(format!("chuẩn nghèo {code}"));
        let record = self
            .store()
            .poverty_standard_record(code.trim())
            .await?
            .ok_or_else(not_found)?;
        let parse = |record: &PovertyStandardRecord| {
            Standard::from_toml(&record.source).map_err(|problems| {
                ServiceError::Other(anyhow::anyhow!(
                    "stored standard {}: {}",
                    record.code,
                    problems.join("; ")
                ))
            })
        };
        let standard = parse(&record)?;
        match &record.parent_code {
            None => Ok(standard),
            Some(parent) => {
                let parent = self
                    .store()
                    .poverty_standard_record(parent)
                    .await?
                    .ok_or_else(not_found)?;
                Standard::specialise(&standard, &parse(&parent)?).map_err(|problems| {
                    ServiceError::Other(anyhow::anyhow!(
                        "stored standard {}: {}",
                        record.code,
                        problems.join("; ")
                    ))
                })
            }
        }
    }

    /// Imports a household list (one row per household) into the register and, when the file has review columns,
    /// into each commune's open review list of `year` (opened if there is none). Every row is checked first:
    /// nothing is written unless all pass. A commune whose list of that year is frozen refuses the rows.
    pub async fn import_households(
        &self,
        actor: &Actor,
        file_name: &str,
        source: TableSource,
        options: &HouseholdImportOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<HouseholdImportReport, ServiceError> {
        actor.require(Permission::RecordPoverty)?;
        if !matches!(options.kind.as_str(), "annual" | "adhoc") {
            return Err(ServiceError::Invalid(format!(
                "loại rà soát \"{}\" không hợp lệ: annual (định kỳ) hoặc adhoc (thường xuyên)",
                options.kind
            )));
        }
        let today = chrono::Utc::now().date_naive();
        if options.year > today.year() || options.year < 2016 {
            return Err(ServiceError::Invalid(format!(
                "năm rà soát {} không hợp lệ (từ 2016 đến {})",
                options.year,
                today.year()
            )));
        }
        let standards = self.parsed_standards().await?;
        let national = standard_for(&standards, None, options.year).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "chưa có chuẩn nghèo áp dụng cho năm {}",
                options.year
            ))
        })?;
        let indicators: Vec<_> = national.indicators().cloned().collect();
        let mut report = HouseholdImportReport {
            file_name: file_name.to_owned(),
            ..HouseholdImportReport::default()
        };

        // 1. Read and check every row.
        let mut parser: Option<HouseholdParser> = None;
        let mut lines: Vec<HouseholdLine> = Vec::new();
        let mut n_read = 0usize;
        let visit = |event: TableEvent<'_>| match event {
            TableEvent::Head(head) => {
                parser = Some(HouseholdParser::new(
                    &head.headers,
                    &indicators,
                    today.year(),
                ));
            }
            TableEvent::Row(row, cells) => {
                if let Some(parser) = parser.as_mut() {
                    if let Some(line) = parser.push(row, cells) {
                        lines.push(line);
                    }
                }
                n_read += 1;
                if n_read % 20_000 == 0 {
                    progress(Progress {
                        phase: "đọc tệp",
                        done: n_read,
                        total: None,
                    });
                }
            }
        };
        let res = match source {
            TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
            TableSource::Xlsx(bytes) => {
                mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit)
            }
        };
        if let Err(err) = res {
            return Err(ServiceError::Invalid(format!("{file_name}: {err}")));
        }
        let parser =
            parser.ok_or_else(|| ServiceError::Invalid(format!("{file_name}: tệp trống")))?;
        report.n_rows = n_read;
        report.has_review = parser.has_review();
        let answered = parser.answered().join(",");
        let codes = parser.indicator_codes();
        let mut problems = parser.into_problems();

        // 2. Communes: known on the review day, communes, in scope; lists not frozen.
        let day = review_day(options.year);
        let atlas = self.atlas().await?;
        let mut communes: BTreeMap<String, Option<mtqg_core::atlas::UnitAsOf>> = BTreeMap::new();
        for line in &lines {
            if communes.contains_key(&line.commune_code) {
                continue;
            }
            let unit = atlas.unit_by_code(&line.commune_code, day);
            let message = match &unit {
                None => Some(format!(
                    "không có xã mã \"{}\" vào ngày {}",
                    line.commune_code,
                    mtqg_core::vi::format_date(day)
                )),
                Some(unit) if unit.level != Level::Commune => Some(format!(
                    "mã \"{}\" là {} chứ không phải xã, phường",
                    line.commune_code, unit.name
                )),
                Some(unit) => match self.require_scope(actor, unit.id).await {
                    Ok(()) => None,
                    Err(ServiceError::Forbidden) => {
                        Some(format!("{} ngoài phạm vi tài khoản của bạn", unit.name))
                    }
                    Err(err) => return Err(err),
                },
            };
            match message {
                Some(message) => {
                    problems.push(problem(line.row, Some("Mã xã"), message));
                    communes.insert(line.commune_code.clone(), None);
                }
                None => {
                    communes.insert(line.commune_code.clone(), unit);
                }
            }
        }
        let mut frozen: HashSet<String> = HashSet::new();
        if report.has_review {
            let mut tx = self.store().begin().await?;
            for (code, unit) in &communes {
                let Some(unit) = unit else { continue };
                if tx
                    .open_poverty_list(unit.id, options.year, &options.kind)
                    .await?
                    .is_some()
                {
                    continue;
                }
                if let Some(list) = tx
                    .frozen_poverty_list(unit.id, options.year, &options.kind)
                    .await?
                {
                    let row = lines
                        .iter()
                        .find(|line| &line.commune_code == code)
                        .map_or(0, |line| line.row);
                    problems.push(problem(
                        row,
                        Some("Mã xã"),
                        format!(
                            "danh sách {} năm {} của {} đã được công nhận (Quyết định {} ngày {}): không sửa được; \
                             hãy mở danh sách điều chỉnh",
                            kind_label(&options.kind),
                            options.year,
                            unit.name,
                            list.decision.as_deref().unwrap_or(""),
                            list.decided_on.map(mtqg_core::vi::format_date).unwrap_or_default()
                        ),
                    ));
                    frozen.insert(code.clone());
                }
            }
        }

        // 3. Households already stored: in the same commune (or one it was formed from) they are updated; in
        //    another commune they are refused.
        // Households may be stored under the commune itself, one it was formed from (lineage), or a commune of
        // the same province that ended without a recorded lineage (the 2023–2025 arrangements).
        let mut commune_ids: Vec<i64> = Vec::new();
        let mut provinces: HashSet<i64> = HashSet::new();
        for unit in communes.values().flatten() {
            commune_ids.extend(atlas.reach(unit.id));
            if let Some(province) = atlas.chain_up(unit.id, day).last() {
                provinces.insert(*province);
            }
        }
        for province in provinces {
            commune_ids.extend(atlas.reach(province).into_iter().filter(|id| {
                atlas.unit(*id, day).is_none()
                    && atlas
                        .stored(*id)
                        .is_some_and(|unit| unit.level == Level::Commune)
            }));
        }
        commune_ids.sort_unstable();
        commune_ids.dedup();
        let stored: HashMap<String, HouseholdKey> = self
            .store()
            .household_keys(&commune_ids)
            .await?
            .into_iter()
            .collect();
        let mut existing: Vec<Option<i64>> = Vec::with_capacity(lines.len());
        for line in &lines {
            let here = communes.get(&line.commune_code).cloned().flatten();
            let known = stored.get(&line.code);
            let id = match (here, known) {
                (Some(unit), Some(key)) if key.commune_id == unit.id => Some(key.id),
                (Some(unit), Some(key))
                    if atlas.unit(key.commune_id, day).is_none()
                        && (atlas.is_within(unit.id, key.commune_id)
                            || same_province(&atlas, key.commune_id, unit.id, day)) =>
                {
                    // The household's old commune was merged into this one (by the lineage, or, for the
                    // arrangements recorded without a crosswalk, within the same province).
                    Some(key.id)
                }
                (Some(_), Some(key)) => {
                    let commune = holding_commune(actor, &atlas, key.commune_id);
                    problems.push(problem(
                        line.row,
                        Some("Mã hộ"),
                        format!(
                            "hộ {} đã thuộc {commune}: một hộ không thể thuộc hai xã (chuyển hộ bằng chức năng sửa hộ)",
                            line.code
                        ),
                    ));
                    None
                }
                _ => None,
            };
            existing.push(id);
        }

        // 4. Classify (counts only: rows are classified again, commune by commune, as they are written, so a
        //    million households are never held twice).
        let mut standard_of: HashMap<String, &Standard> = HashMap::new();
        for (code, unit) in &communes {
            let Some(unit) = unit else { continue };
            let province = atlas
                .path(unit.id, day)
                .into_iter()
                .find(|ancestor| ancestor.level == Level::Province)
                .map(|province| province.code);
            if let Some(standard) = standard_for(&standards, province.as_deref(), options.year) {
                standard_of.insert(code.clone(), standard);
            }
        }
        let mut by_commune: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        if report.has_review {
            for (idx, line) in lines.iter().enumerate() {
                let Some(standard) = standard_of.get(&line.commune_code) else {
                    continue;
                };
                match classify_line(standard, line, &codes) {
                    Ok(result) => {
                        report.by_class[class_index(result.class)] += 1;
                        by_commune
                            .entry(line.commune_code.as_str())
                            .or_default()
                            .push(idx as u32);
                    }
                    Err(err) => problems.push(problem(line.row, None, err.to_string())),
                }
            }
        }
        progress(Progress {
            phase: "kiểm tra",
            done: lines.len(),
            total: Some(lines.len()),
        });
        report.n_communes = communes.values().flatten().count();
        report.n_updated = existing.iter().flatten().count();
        report.n_new = lines.len() - report.n_updated;
        report.lists = communes
            .iter()
            .filter_map(|(code, unit)| {
                let unit = unit.as_ref()?;
                (report.has_review && !frozen.contains(code))
                    .then(|| (code.clone(), unit.name.clone(), 0))
            })
            .collect();
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.row);
            report.n_problems = problems.len();
            problems.truncate(MAX_PROBLEMS);
            report.problems = problems;
            return Ok(report);
        }
        if options.dry_run {
            return Ok(report);
        }

        // 5. Write everything in one transaction, a chunk at a time.
        let mut tx = self.store().begin().await?;
        let mut next_id = tx.max_household_id().await?;
        let ids: Vec<i64> = existing
            .iter()
            .map(|known| {
                known.unwrap_or_else(|| {
                    next_id += 1;
                    next_id
                })
            })
            .collect();
        let commune_id = |code: &str| {
            communes
                .get(code)
                .cloned()
                .flatten()
                .map(|unit| unit.id)
                .unwrap_or_default()
        };
        let mut written = Ok(());
        for (chunk_idx, chunk) in lines.chunks(WRITE_CHUNK).enumerate() {
            let offset = chunk_idx * WRITE_CHUNK;
            let mut new_rows = Vec::new();
            let mut old_rows = Vec::new();
            let mut heads = Vec::new();
            for (pos, line) in chunk.iter().enumerate() {
                let id = ids[offset + pos];
                let row = HouseholdRow {
                    id,
                    commune_id: commune_id(&line.commune_code),
                    code: &line.code,
                    head_name: &line.head_name,
                    village: &line.village,
                    address: &line.address,
                    area: line.area.code(),
                    ethnicity: &line.ethnicity,
                    ethnic_minority: line.ethnic_minority,
                    meritorious: line.meritorious,
                    social_protection: line.social_protection,
                    no_worker: line.no_worker,
                };
                if existing[offset + pos].is_some() {
                    old_rows.push(row);
                } else {
                    new_rows.push(row);
                }
                if line.head_birth_year.is_some()
                    || line.head_sex.is_some()
                    || line.head_national_id.is_some()
                {
                    heads.push(MemberRow {
                        household_id: id,
                        seq: 1,
                        name: line.head_name.clone(),
                        birth_year: line.head_birth_year.map(i64::from),
                        sex: line.head_sex.map(|sex| sex.code().to_owned()),
                        relation: "Chủ hộ".to_owned(),
                        national_id: line.head_national_id.clone(),
                    });
                }
            }
            written = async {
                tx.write_households(&new_rows, true).await?;
                tx.write_households(&old_rows, false).await?;
                tx.upsert_members(&heads).await?;
                Ok::<(), StoreError>(())
            }
            .await;
            if written.is_err() {
                break;
            }
            progress(Progress {
                phase: "ghi hộ",
                done: offset + chunk.len(),
                total: Some(lines.len()),
            });
        }
        if let Err(err) = written {
            drop(tx);
            return match err {
                StoreError::Conflict { constraint } => {
                    let problems = self
                        .diagnose_conflict(actor, &lines, &existing, &constraint)
                        .await?;
                    report.n_problems = problems.len();
                    report.problems = problems;
                    Ok(report)
                }
                other => Err(other.into()),
            };
        }
        tx.sync_household_ids().await?;
        let mut written_lists = Vec::new();
        let mut n_written = 0;
        for (code, indices) in &by_commune {
            let (Some(Some(unit)), Some(standard)) = (communes.get(*code), standard_of.get(*code))
            else {
                continue;
            };
            let (list_id, replace) = match tx
                .open_poverty_list(unit.id, options.year, &options.kind)
                .await?
            {
                Some(list) => (list.id, true),
                None => (
                    {
                        tx.create_poverty_list(
                            &NewPovertyList {
                                commune_id: unit.id,
                                year: options.year,
                                kind: options.kind.clone(),
                                standard_code: standard.code.clone(),
                                replaces_id: None,
                                note: String::new(),
                            },
                            actor.user_id,
                        )
                        .await?
                    },
                    false,
                ),
            };
            // Rows asked every indicator of the list's standard store "" (the common case: no repeated text).
            let asked: HashSet<&str> = answered.split(',').filter(|c| !c.is_empty()).collect();
            let all: HashSet<&str> = standard.indicators().map(|i| i.code.as_str()).collect();
            let stored_answered = if asked == all { "" } else { answered.as_str() };
            for chunk in indices.chunks(WRITE_CHUNK) {
                let rows: Vec<ListRow> = chunk
                    .iter()
                    .filter_map(|&idx| {
                        let line = &lines[idx as usize];
                        let result = classify_line(standard, line, &codes).ok()?;
                        let review = line.review.as_ref();
                        Some(ListRow {
                            household_id: ids[idx as usize],
                            area: line.area.code(),
                            ethnic_minority: line.ethnic_minority,
                            income: review.and_then(|r| r.income),
                            score_a: review.and_then(|r| r.score_a),
                            deprived: result.deprived.join(","),
                            answered: String::new(),
                            class: result.class.code(),
                        })
                    })
                    .collect();
                tx.write_list_rows(list_id, stored_answered, &rows, replace)
                    .await?;
                n_written += rows.len();
                progress(Progress {
                    phase: "ghi danh sách",
                    done: n_written,
                    total: Some(lines.len()),
                });
            }
            let mut entry =
                actor.audit("poverty.list.import", "poverty_lists", list_id.to_string());
            entry.after = Some(serde_json::json!({
                "file": file_name,
                "commune": code,
                "year": options.year,
                "kind": options.kind,
                "households": indices.len(),
            }));
            tx.append_audit(entry).await?;
            written_lists.push(((*code).to_owned(), unit.name.clone(), list_id));
        }
        let mut entry = actor.audit("households.import", "households", file_name.to_owned());
        entry.after = Some(serde_json::json!({
            "rows": lines.len(),
            "new": report.n_new,
            "updated": report.n_updated,
            "communes": report.n_communes,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        if report.has_review {
            report.lists = written_lists;
        }
        report.applied = true;
        Ok(report)
    }

    /// Imports household members (the sheet "Thành viên" of a workbook, else its first sheet, or a CSV): every
    /// household named must be stored and within the actor's scope; the members of each household in the file
    /// replace its stored ones. Every row is checked first; nothing is written unless all pass.
    pub async fn import_members(
        &self,
        actor: &Actor,
        file_name: &str,
        source: TableSource,
        dry_run: bool,
    ) -> Result<MemberImportReport, ServiceError> {
        actor.require(Permission::RecordPoverty)?;
        let year = chrono::Utc::now().date_naive().year();
        let mut parser: Option<MemberParser> = None;
        let mut lines: Vec<MemberLine> = Vec::new();
        let mut sheet: Option<String> = None;
        let mut visit = |event: TableEvent<'_>| match event {
            TableEvent::Head(head) => {
                sheet = head.sheet.clone();
                parser = Some(MemberParser::new(
                    head.sheet.as_deref(),
                    &head.headers,
                    year,
                ));
            }
            TableEvent::Row(row, cells) => {
                if let Some(line) = parser
                    .as_mut()
                    .and_then(|parser| parser.push(sheet.as_deref(), row, cells))
                {
                    lines.push(line);
                }
            }
        };
        let res = match source {
            TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
            TableSource::Xlsx(bytes) => {
                match mtqg_xlsx::read_xlsx(
                    std::io::Cursor::new(&bytes),
                    Some(MEMBERS_SHEET),
                    &mut visit,
                ) {
                    Err(mtqg_xlsx::TableError::MissingSheet { .. }) => {
                        mtqg_xlsx::read_xlsx(std::io::Cursor::new(&bytes), None, &mut visit)
                    }
                    other => other,
                }
            }
        };
        if let Err(err) = res {
            return Err(ServiceError::Invalid(format!("{file_name}: {err}")));
        }
        let mut problems = parser
            .map(MemberParser::into_problems)
            .ok_or_else(|| ServiceError::Invalid(format!("{file_name}: tệp trống")))?;
        let mut codes: Vec<String> = lines
            .iter()
            .map(|line| line.household_code.clone())
            .collect();
        codes.sort();
        codes.dedup();
        let stored: HashMap<String, HouseholdKey> = self
            .store()
            .households_by_code(&codes)
            .await?
            .into_iter()
            .collect();
        let atlas = self.atlas().await?;
        let mut allowed: HashMap<i64, bool> = HashMap::new();
        for line in &lines {
            match stored.get(&line.household_code) {
                None => problems.push(RowProblem {
                    sheet: sheet.clone(),
                    row: line.row,
                    column: Some("Mã hộ".to_owned()),
                    message: format!(
                        "chưa có hộ mã \"{}\": nhập danh sách hộ trước",
                        line.household_code
                    ),
                }),
                Some(key) => {
                    let ok = match allowed.get(&key.commune_id) {
                        Some(ok) => *ok,
                        None => {
                            let ok = actor
                                .scope_unit_id
                                .is_none_or(|scope| atlas.is_within(scope, key.commune_id));
                            allowed.insert(key.commune_id, ok);
                            ok
                        }
                    };
                    if !ok {
                        problems.push(RowProblem {
                            sheet: sheet.clone(),
                            row: line.row,
                            column: Some("Mã hộ".to_owned()),
                            message: format!(
                                "hộ {} ngoài phạm vi tài khoản của bạn",
                                line.household_code
                            ),
                        });
                    }
                }
            }
        }
        let ids: Vec<String> = lines.iter().filter_map(|l| l.national_id.clone()).collect();
        let in_file: HashSet<i64> = stored.values().map(|key| key.id).collect();
        let holders: HashMap<String, i64> = self
            .store()
            .national_ids_in_use(&ids)
            .await?
            .into_iter()
            .collect();
        for line in &lines {
            let Some(id) = &line.national_id else {
                continue;
            };
            let Some(holder) = holders.get(id) else {
                continue;
            };
            let own = stored.get(&line.household_code).map(|key| key.id);
            if Some(*holder) != own && !in_file.contains(holder) {
                problems.push(RowProblem {
                    sheet: sheet.clone(),
                    row: line.row,
                    column: Some("CCCD".to_owned()),
                    message: "số định danh này đã được ghi cho một người của hộ khác".to_owned(),
                });
            }
        }
        let mut report = MemberImportReport {
            n_rows: lines.len(),
            n_households: codes.len(),
            ..MemberImportReport::default()
        };
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.row);
            report.n_problems = problems.len();
            problems.truncate(MAX_PROBLEMS);
            report.problems = problems;
            return Ok(report);
        }
        if dry_run {
            return Ok(report);
        }
        let mut seq: HashMap<i64, i64> = HashMap::new();
        let members: Vec<MemberRow> = lines
            .iter()
            .filter_map(|line| {
                let household_id = stored.get(&line.household_code)?.id;
                let n = seq.entry(household_id).or_insert(0);
                *n += 1;
                Some(MemberRow {
                    household_id,
                    seq: *n,
                    name: line.name.clone(),
                    birth_year: line.birth_year.map(i64::from),
                    sex: line.sex.map(|sex| sex.code().to_owned()),
                    relation: line.relation.clone(),
                    national_id: line.national_id.clone(),
                })
            })
            .collect();
        let household_ids: Vec<i64> = seq.keys().copied().collect();
        let mut tx = self.store().begin().await?;
        tx.replace_members(&household_ids, &members).await?;
        let mut entry = actor.audit(
            "households.members.import",
            "households",
            file_name.to_owned(),
        );
        entry.after = Some(
            serde_json::json!({ "members": members.len(), "households": household_ids.len() }),
        );
        tx.append_audit(entry).await?;
        tx.commit().await?;
        report.applied = true;
        Ok(report)
    }

    /// After a write failed on a unique constraint: which rows hold a household code or an ID number that
    /// another commune's household already has. A commune outside the actor's scope is not named.
    async fn diagnose_conflict(
        &self,
        actor: &Actor,
        lines: &[HouseholdLine],
        existing: &[Option<i64>],
        constraint: &str,
    ) -> Result<Vec<RowProblem>, ServiceError> {
        let atlas = self.atlas().await?;
        let mut problems = Vec::new();
        let new_codes: Vec<String> = lines
            .iter()
            .zip(existing)
            .filter(|(_, known)| known.is_none())
            .map(|(line, _)| line.code.clone())
            .collect();
        let elsewhere: HashMap<String, HouseholdKey> = self
            .store()
            .households_by_code(&new_codes)
            .await?
            .into_iter()
            .collect();
        let ids: Vec<String> = lines
            .iter()
            .filter_map(|line| line.head_national_id.clone())
            .collect();
        let holders: HashMap<String, i64> = self
            .store()
            .national_ids_in_use(&ids)
            .await?
            .into_iter()
            .collect();
        for (line, known) in lines.iter().zip(existing) {
            if known.is_none() {
                if let Some(key) = elsewhere.get(&line.code) {
                    let commune = holding_commune(actor, &atlas, key.commune_id);
                    problems.push(problem(
                        line.row,
                        Some("Mã hộ"),
                        format!(
                            "hộ {} đã thuộc {commune}: một hộ không thể thuộc hai xã",
                            line.code
                        ),
                    ));
                }
            }
            if let Some(id) = &line.head_national_id {
                if let Some(holder) = holders.get(id) {
                    if Some(*holder) != *known {
                        problems.push(problem(
                            line.row,
                            Some("CCCD chủ hộ"),
                            "số định danh này đã được ghi cho một người của hộ khác".to_owned(),
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            problems.push(problem(
                0,
                None,
                format!("dữ liệu trùng với bản ghi đã có ({constraint}); không có thay đổi nào được ghi"),
            ));
        }
        Ok(problems)
    }
}

/// The commune that already holds a household code, as an import's problem names it: by code within the actor's
/// scope, unnamed outside it (an import must not tell which commune of another province holds a household).
fn holding_commune(actor: &Actor, atlas: &mtqg_core::atlas::Atlas, commune_id: i64) -> String {
    let visible = actor
        .scope_unit_id
        .is_none_or(|scope| atlas.is_within(scope, commune_id));
    match atlas.stored(commune_id) {
        Some(unit) if visible => format!("xã mã {}", unit.code),
        _ => "một xã ngoài phạm vi của tài khoản".to_owned(),
    }
}

pub(crate) fn class_index(class: Class) -> usize {
    match class {
        Class::Poor => 0,
        Class::NearPoor => 1,
        Class::Average => 2,
        Class::Other => 3,
    }
}

/// One household's result in a stateless classification.
#[derive(Debug, Clone)]
pub struct ClassifiedRow {
    pub row: usize,
    pub commune_code: String,
    pub code: String,
    pub area: Area,
    pub income: Option<i64>,
    pub score_a: Option<i64>,
    pub result: mtqg_core::poverty::Classification,
}

/// Classifies every row of a table under `standard`, with no database: the columns of a household import (commune
/// and household code, head, area, income and/or score A, indicator columns). Every problem of every row is
/// reported; results only when there is none.
pub fn classify_table(
    standard: &Standard,
    source: TableSource,
) -> Result<Vec<ClassifiedRow>, Vec<RowProblem>> {
    let indicators: Vec<_> = standard.indicators().cloned().collect();
    let year = chrono::Utc::now().date_naive().year();
    let mut parser: Option<HouseholdParser> = None;
    let mut lines = Vec::new();
    let visit = |event: TableEvent<'_>| match event {
        TableEvent::Head(head) => {
            parser = Some(HouseholdParser::new(&head.headers, &indicators, year));
        }
        TableEvent::Row(row, cells) => {
            if let Some(line) = parser.as_mut().and_then(|parser| parser.push(row, cells)) {
                lines.push(line);
            }
        }
    };
    let res = match source {
        TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
        TableSource::Xlsx(bytes) => mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit),
    };
    let mut problems = Vec::new();
    if let Err(err) = res {
        problems.push(problem(0, None, err.to_string()));
    }
    let parser = match parser {
        Some(parser) => parser,
        None => {
            problems.push(problem(0, None, "tệp trống".to_owned()));
            return Err(problems);
        }
    };
    let codes = parser.indicator_codes();
    if !parser.has_review() {
        problems.push(problem(
            1,
            None,
            "tệp không có cột thu nhập, điểm A hay chỉ số thiếu hụt nào để phân loại".to_owned(),
        ));
    }
    problems.extend(parser.into_problems());
    let mut results = Vec::with_capacity(lines.len());
    for line in lines {
        let review = line.review.clone().unwrap_or_default();
        let household = Household {
            area: Some(line.area),
            income: review.income,
            score_a: review.score_a,
            deprived: review.deprived_codes(&codes).cloned().collect(),
            answered: None,
        };
        match standard.classify(&household) {
            Ok(result) => results.push(ClassifiedRow {
                row: line.row,
                commune_code: line.commune_code,
                code: line.code,
                area: line.area,
                income: review.income,
                score_a: review.score_a,
                result,
            }),
            Err(err) => problems.push(problem(line.row, None, err.to_string())),
        }
    }
    if problems.is_empty() {
        Ok(results)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}
